import { Counter, Gauge, type Registry } from 'prom-client';
import { SYNC_STATES, type FetchResult } from '../domain/sync-state.js';
import type { ConfigListing } from '../storage/config-index.js';
import type { DeviceSync } from '../storage/device-sync.js';

const FETCH_RESULTS: readonly FetchResult[] = [200, 304, 404];

export interface FetchMetricsSource {
  sync: DeviceSync;
  listing(): Promise<ConfigListing>;
  /** A last-fetch series per MAC: off by default, as each MAC is a series in Prometheus. */
  perDevice: boolean;
}

/** The device fetch metrics, in the app's registry: fetches counted as they happen, states counted at scrape time. */
export function createFetchMetrics(registry: Registry, source: FetchMetricsSource) {
  // Plain numbers on the hot path, folded into the counter when scraped: a prom-client increment is the
  // costliest step of recording a fetch (ADR 0014).
  const counts: Record<FetchResult, number> = { 200: 0, 304: 0, 404: 0 };
  const folded: Record<FetchResult, number> = { 200: 0, 304: 0, 404: 0 };
  new Counter({
    name: 'iot_config_device_fetches_total',
    help: 'Device config fetches by answer: 200 (config sent), 304 (device holds it), 404 (no config for the MAC)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      for (const result of FETCH_RESULTS) {
        this.inc({ result: String(result) }, counts[result] - folded[result]);
        folded[result] = counts[result];
      }
    },
  });
  new Gauge({
    name: 'iot_config_devices',
    help: 'Configs by sync state of their device: in_sync, pending, never_fetched, silent',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = source.sync.countByState(await source.listing());
      for (const state of SYNC_STATES) this.set({ state }, counts[state]);
    },
  });
  if (source.perDevice) {
    new Gauge({
      name: 'iot_config_device_last_fetch_timestamp_seconds',
      help: 'When each MAC last fetched its config, in seconds since the epoch (METRICS_PER_DEVICE=true)',
      labelNames: ['mac'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [mac, record] of source.sync.records.all()) this.set({ mac }, record.lastFetchAt / 1000);
      },
    });
  }
  return {
    fetched(result: FetchResult): void {
      counts[result]++;
    },
  };
}
