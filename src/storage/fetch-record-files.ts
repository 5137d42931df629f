import { CANONICAL_MAC_PATTERN } from '../domain/mac.js';
import type { FetchRecord, FetchResult } from '../domain/sync-state.js';

/**
 * The format of a replica's file of fetch records,
 * `.iot-config/fetches/<replica-id>.json` (docs/device-sync.md):
 * `{"replica", "written_at", "records": {"<mac>": {...}}}`, times in ISO 8601 UTC.
 */
export interface StoredFetchRecord {
  last_fetch_at: string;
  etag: string | null;
  last_changed_fetch_at: string | null;
  client: string;
  user_agent: string | null;
  count: number;
  last_result: FetchResult;
}

const RESULTS = new Set<unknown>([200, 304, 404]);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function serialiseFetchRecords(replica: string, records: ReadonlyMap<string, FetchRecord>, now: number): Buffer {
  const stored: Record<string, StoredFetchRecord> = {};
  for (const [mac, record] of records) {
    stored[mac] = {
      last_fetch_at: iso(record.lastFetchAt)!,
      etag: record.etag,
      last_changed_fetch_at: iso(record.lastChangedFetchAt),
      client: record.client,
      user_agent: record.userAgent,
      count: record.count,
      last_result: record.lastResult,
    };
  }
  return Buffer.from(`${JSON.stringify({ replica, written_at: iso(now), records: stored })}\n`);
}

const stringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

function parseRecord(value: unknown): FetchRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<StoredFetchRecord>;
  const lastFetchAt = typeof r.last_fetch_at === 'string' ? Date.parse(r.last_fetch_at) : NaN;
  const lastChanged = typeof r.last_changed_fetch_at === 'string' ? Date.parse(r.last_changed_fetch_at) : null;
  if (!Number.isFinite(lastFetchAt) || Number.isNaN(lastChanged)) return null;
  if (!stringOrNull(r.etag) || typeof r.client !== 'string' || !stringOrNull(r.user_agent ?? null)) return null;
  if (!Number.isSafeInteger(r.count) || r.count! < 1 || !RESULTS.has(r.last_result)) return null;
  return {
    lastFetchAt,
    etag: r.etag,
    lastChangedFetchAt: lastChanged,
    client: r.client,
    userAgent: r.user_agent ?? null,
    count: r.count!,
    lastResult: r.last_result!,
  };
}

/** The records of a replica's file; entries that are not valid are left out, a file that is not JSON throws. */
export function parseFetchRecords(text: string): Map<string, FetchRecord> {
  const parsed = JSON.parse(text) as { records?: unknown };
  const records = new Map<string, FetchRecord>();
  if (typeof parsed?.records !== 'object' || parsed.records === null) return records;
  for (const [mac, value] of Object.entries(parsed.records)) {
    const record = CANONICAL_MAC_PATTERN.test(mac) ? parseRecord(value) : null;
    if (record !== null) records.set(mac, record);
  }
  return records;
}

/** A file name fit for the replica id `host-pid-instance`: the host name may hold any character. */
export function replicaFileId(host: string, pid: number, instance: string): string {
  return `${host.replace(/[^A-Za-z0-9_.-]/g, '_')}-${pid}-${instance}`;
}
