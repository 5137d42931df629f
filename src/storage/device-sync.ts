import type { ConfigSummary } from '../domain/config-summary.js';
import { fetchView, silentAt, SYNC_STATES, syncState, type FetchRecord, type FetchView, type SyncState } from '../domain/sync-state.js';
import type { ConfigListing } from './config-index.js';
import type { FetchRecords } from './fetch-records.js';

/** A MAC that fetched a config it does not have. */
export interface UnknownDevice {
  mac_address: string;
  last_fetch_at: string;
  count: number;
  client: string;
  user_agent: string | null;
}

/** One config's sync state, with what it was derived from. */
export interface ConfigSyncState {
  mac: string;
  summary: ConfigSummary;
  etag: string;
  state: SyncState;
  record: FetchRecord | undefined;
}

/**
 * The sync state of each config: its current ETag (from the store) against
 * what its device last fetched (from the fetch records).
 */
export class DeviceSync {
  constructor(
    readonly records: FetchRecords,
    readonly silentAfterMs: number,
  ) {}

  /** The `fetch` member of a config whose current ETag is `etag`. */
  view(mac: string, etag: string, now = Date.now()): FetchView {
    const record = this.records.get(mac);
    return fetchView(syncState(etag, record, now, this.silentAfterMs), record);
  }

  /** The state of every config in `listing`, in its order. */
  *states(listing: ConfigListing, now = Date.now()): Generator<ConfigSyncState> {
    const etags = listing.etags ?? [];
    for (let i = 0; i < listing.configs.length; i++) {
      const summary = listing.configs[i]!;
      const mac = summary.mac_address;
      const record = this.records.get(mac);
      yield { mac, summary, etag: etags[i]!, state: syncState(etags[i]!, record, now, this.silentAfterMs), record };
    }
  }

  /** How many configs are in each state. */
  countByState(listing: ConfigListing, now = Date.now()): Record<SyncState, number> {
    const counts = Object.fromEntries(SYNC_STATES.map((state) => [state, 0])) as Record<SyncState, number>;
    for (const { state } of this.states(listing, now)) counts[state]++;
    return counts;
  }

  /** When the state of a config last fetched at the time of `record` turns silent, or null when it is silent already. */
  silentDeadline(record: FetchRecord | undefined, now = Date.now()): number | null {
    if (record === undefined) return null;
    const at = silentAt(record, this.silentAfterMs);
    return at > now ? at : null;
  }

  /** MACs whose last fetch found no config and that still have none, latest fetch first. */
  unknownDevices(listing: ConfigListing): UnknownDevice[] {
    const configured = new Set(listing.configs.map((summary) => summary.mac_address));
    const unknown: UnknownDevice[] = [];
    for (const [mac, record] of this.records.all()) {
      if (record.lastResult !== 404 || configured.has(mac)) continue;
      unknown.push({
        mac_address: mac,
        last_fetch_at: new Date(record.lastFetchAt).toISOString(),
        count: record.count,
        client: record.client,
        user_agent: record.userAgent,
      });
    }
    return unknown.sort((a, b) => (a.last_fetch_at < b.last_fetch_at ? 1 : a.last_fetch_at > b.last_fetch_at ? -1 : 0));
  }
}
