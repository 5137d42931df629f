import { Counter, Gauge, type Registry } from 'prom-client';
import { SYNC_STATES, type FetchResult } from '../domain/sync-state.js';
import type { ConfigListing } from '../storage/config-index.js';
import type { DeviceSync } from '../storage/device-sync.js';

export interface FetchMetricsSource {
  sync: DeviceSync;
  listing(): Promise<ConfigListing>;
  /** A last-fetch series per MAC: off by default, as each MAC is a series in Prometheus. */
  perDevice: boolean;
}

/** The device fetch metrics, in the app's registry: fetches counted as they happen, states counted at scrape time. */
export function createFetchMetrics(registry: Registry, source: FetchMetricsSource) {
  const fetches = new Counter({
    name: 'iot_config_device_fetches_total',
    help: 'Device config fetches by answer: 200 (config sent), 304 (device holds it), 404 (no config for the MAC)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  // Bound once: a fetch then counts without looking its labels up.
  const byResult = { 200: fetches.labels('200'), 304: fetches.labels('304'), 404: fetches.labels('404') };
  for (const counter of Object.values(byResult)) counter.inc(0);
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
      byResult[result].inc();
    },
  };
}
