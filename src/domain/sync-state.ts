/**
 * Whether a device holds its current config, derived from the config's
 * ETag and what the device last fetched. Pure: the fetch records, the
 * clock and the setting are passed in.
 */
export const SYNC_STATES = ['in_sync', 'pending', 'never_fetched', 'silent'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/** What one device fetch was answered with. */
export type FetchResult = 200 | 304 | 404;

/** What is known of one MAC's fetches, merged over every replica. Times are epoch milliseconds. */
export interface FetchRecord {
  lastFetchAt: number;
  /** The ETag the device holds: sent with its last 200, or proven by a 304; null when its last fetch found no config. */
  etag: string | null;
  /** When it last received a config other than the one it held; null if never. */
  lastChangedFetchAt: number | null;
  client: string;
  userAgent: string | null;
  /** Fetches over every replica. */
  count: number;
  lastResult: FetchResult;
}

/** The `fetch` member of the API's config answers. */
export type FetchView =
  | { state: 'never_fetched' }
  | {
      state: SyncState;
      last_fetch_at: string;
      last_changed_fetch_at: string | null;
      etag: string | null;
      count: number;
      client: string;
      user_agent: string | null;
    };

/**
 * The sync state of a config whose ETag is `currentEtag`. Never fetched
 * wins over everything (a device that never asked is not silent); then
 * silent wins over pending, which wins over in sync.
 */
export function syncState(currentEtag: string, record: FetchRecord | undefined, now: number, silentAfterMs: number): SyncState {
  if (record === undefined) return 'never_fetched';
  if (now - record.lastFetchAt > silentAfterMs) return 'silent';
  return record.etag === currentEtag ? 'in_sync' : 'pending';
}

/** The moment a record's state turns silent, if nothing else happens: a deadline for anything derived from it. */
export function silentAt(record: FetchRecord, silentAfterMs: number): number {
  return record.lastFetchAt + silentAfterMs + 1;
}

export function fetchView(state: SyncState, record: FetchRecord | undefined): FetchView {
  if (record === undefined) return { state: 'never_fetched' };
  return {
    state,
    last_fetch_at: new Date(record.lastFetchAt).toISOString(),
    last_changed_fetch_at: record.lastChangedFetchAt === null ? null : new Date(record.lastChangedFetchAt).toISOString(),
    etag: record.etag,
    count: record.count,
    client: record.client,
    user_agent: record.userAgent,
  };
}

/**
 * One MAC's record after a fetch answered with `result` (and the ETag sent or
 * proven, or null for a 404). A 200 that brings an ETag other than the one
 * held counts as a change received.
 */
export function recordFetch(previous: FetchRecord | undefined, result: FetchResult, etag: string | null, at: number, client: string, userAgent: string | null): FetchRecord {
  const changed = result === 200 && previous?.etag !== etag;
  return {
    lastFetchAt: at,
    etag: result === 404 ? null : etag,
    lastChangedFetchAt: changed ? at : (previous?.lastChangedFetchAt ?? null),
    client,
    userAgent,
    count: (previous?.count ?? 0) + 1,
    lastResult: result,
  };
}

/**
 * Merges one MAC's records from several replicas: the latest fetch gives
 * every field but the count, which is summed, and the time of the last
 * change received, which is the latest of any replica.
 */
export function mergeRecords(records: readonly FetchRecord[]): FetchRecord | undefined {
  let latest: FetchRecord | undefined;
  let count = 0;
  let lastChanged: number | null = null;
  for (const record of records) {
    count += record.count;
    if (record.lastChangedFetchAt !== null && (lastChanged === null || record.lastChangedFetchAt > lastChanged)) lastChanged = record.lastChangedFetchAt;
    if (latest === undefined || record.lastFetchAt > latest.lastFetchAt) latest = record;
  }
  return latest && { ...latest, count, lastChangedFetchAt: lastChanged };
}
