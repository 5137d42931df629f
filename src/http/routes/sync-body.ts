import type { ConfigSummary } from '../../domain/config-summary.js';
import { fetchView, syncState, type FetchRecord, type FetchView, type SyncState } from '../../domain/sync-state.js';
import type { DeviceSync } from '../../storage/device-sync.js';
import type { ListExtras } from './config-body.js';

/** A list body reflects new fetches at most this late: a fleet fetching all the time must not rebuild it on every request. */
const LIST_REFRESH_MS = 1_000;

const fetchMember = (view: FetchView): Buffer => Buffer.from(`,"fetch":${JSON.stringify(view)}`);

/** A config's answer with its `fetch` member added, last. */
export function withFetch(body: Buffer, view: FetchView): Buffer {
  return Buffer.concat([body.subarray(0, -1), fetchMember(view), body.subarray(-1)]);
}

/**
 * The `fetch` member of each config in the list. The list body is rebuilt
 * when the fetch records changed (at most every LIST_REFRESH_MS) or when a
 * device turns silent; each member's bytes are kept while its config, record
 * and state are unchanged.
 */
export function syncListExtras(sync: DeviceSync): ListExtras {
  const members = new WeakMap<ConfigSummary, { record: FetchRecord | undefined; etag: string; state: SyncState; bytes: Buffer }>();
  let key = 0;
  let keyVersion = -1;
  let keyAt = -Infinity;
  /** When the body built with the current key goes stale because a device turns silent. */
  let staleAt = Infinity;
  let now = Date.now();
  return {
    key() {
      now = Date.now();
      if ((sync.records.version !== keyVersion && now - keyAt >= LIST_REFRESH_MS) || now >= staleAt) {
        key++;
        keyVersion = sync.records.version;
        keyAt = now;
        staleAt = Infinity;
      }
      return key;
    },
    members(listing, index) {
      const summary = listing.configs[index]!;
      const etag = listing.etags?.[index] ?? '';
      const record = sync.records.get(summary.mac_address);
      const state = syncState(etag, record, now, sync.silentAfterMs);
      staleAt = Math.min(staleAt, sync.silentDeadline(record, now) ?? Infinity);
      const kept = members.get(summary);
      if (kept !== undefined && kept.record === record && kept.etag === etag && kept.state === state) return kept.bytes;
      const bytes = fetchMember(fetchView(state, record));
      members.set(summary, { record, etag, state, bytes });
      return bytes;
    },
  };
}
