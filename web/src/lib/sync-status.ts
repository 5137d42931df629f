import type { DeviceFetch } from '../../../src/http/schemas/device-sync.js';

export type { DeviceFetch };
export type SyncState = DeviceFetch['state'];

export const SYNC_LABELS: Record<SyncState, string> = {
  in_sync: 'In sync',
  pending: 'Pending',
  never_fetched: 'Never fetched',
  silent: 'Silent',
};

/** The states in the order a sort by status puts them: what needs a look first. */
export const SYNC_ORDER: readonly SyncState[] = ['pending', 'silent', 'never_fetched', 'in_sync'];

export function isSyncState(value: string | null): value is SyncState {
  return value !== null && Object.hasOwn(SYNC_LABELS, value);
}

/** The state of a config's `fetch`, from a service that may predate it. */
export const syncStateOf = (fetch: DeviceFetch | undefined): SyncState => fetch?.state ?? 'never_fetched';

const UNITS: [number, (n: number) => string][] = [
  [86_400_000, (n) => `${n} ${n === 1 ? 'day' : 'days'}`],
  [3_600_000, (n) => `${n} h`],
  [60_000, (n) => `${n} min`],
  [1000, (n) => `${n} s`],
];

/** "3 min ago", "just now", "2 days ago". */
export function relativeTime(iso: string, now = Date.now()): string {
  const elapsed = Math.max(0, now - Date.parse(iso));
  if (elapsed < 10_000) return 'just now';
  const [size, format] = UNITS.find(([unit]) => elapsed >= unit)!;
  return `${format(Math.floor(elapsed / size))} ago`;
}

/** The tooltip of a status: when the device last fetched, and from where. */
export function syncTooltip(fetch: DeviceFetch | undefined, now = Date.now()): string {
  if (fetch?.last_fetch_at === undefined) return 'The device has never fetched this config';
  const client = fetch.client ? ` from ${fetch.client}` : '';
  return `Last fetch ${relativeTime(fetch.last_fetch_at, now)}${client}`;
}
