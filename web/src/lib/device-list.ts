import type { ConfigSummary } from '../api/client.js';
import { SYNC_ORDER, syncStateOf, type SyncState } from './sync-status.js';

export type SortKey = 'mac_address' | 'device_name' | 'device_entity_id' | 'enable_ota' | 'status';
export type SortDirection = 'asc' | 'desc';
export interface SortOrder {
  key: SortKey;
  direction: SortDirection;
}

export const DEFAULT_SORT: SortOrder = { key: 'mac_address', direction: 'asc' };
const SORT_KEYS: readonly SortKey[] = ['mac_address', 'device_name', 'device_entity_id', 'enable_ota', 'status'];

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Canonical MACs are lowercase hex of one width: code-point order is their numeric order. */
const compareMacs = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareValues(key: SortKey, a: string | boolean | number, b: string | boolean | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  // The collator's numeric mode would read a MAC's digit runs as decimal numbers: 00-0e-1a before 00-07-0d.
  if (key === 'mac_address') return compareMacs(String(a), String(b));
  return collator.compare(String(a), String(b));
}

/** The value a column sorts by; the status sorts by what needs a look first. */
function valueOf(config: ConfigSummary, key: SortKey): string | boolean | number | null {
  return key === 'status' ? SYNC_ORDER.indexOf(syncStateOf(config.fetch)) : config[key];
}

/**
 * The configs in the given order. Missing values (null) always go last,
 * whichever the direction; ties keep MAC order so the list never jumps.
 */
export function sortConfigs(configs: readonly ConfigSummary[], order: SortOrder): ConfigSummary[] {
  const sign = order.direction === 'asc' ? 1 : -1;
  return [...configs].sort((a, b) => {
    const x = valueOf(a, order.key);
    const y = valueOf(b, order.key);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else {
      const byKey = compareValues(order.key, x, y);
      if (byKey !== 0) return sign * byKey;
    }
    return compareMacs(a.mac_address, b.mac_address);
  });
}

/** Clicking a column header: a new column sorts ascending, the same column flips. */
export function nextSortOrder(current: SortOrder, key: SortKey): SortOrder {
  if (current.key !== key) return { key, direction: 'asc' };
  return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
}

/** A stored sort order, or the default when it is missing or not one we know. */
export function parseSortOrder(stored: string | null): SortOrder {
  if (!stored) return DEFAULT_SORT;
  try {
    const value = JSON.parse(stored) as Partial<SortOrder>;
    if (SORT_KEYS.includes(value.key as SortKey) && (value.direction === 'asc' || value.direction === 'desc')) {
      return { key: value.key as SortKey, direction: value.direction };
    }
  } catch {
    // Fall through to the default.
  }
  return DEFAULT_SORT;
}

const MAC_SEPARATORS = /[\s:.-]/g;

/**
 * Whether a config matches the search text: the MAC in any format (`AA:BB`,
 * `aa-bb`, `aabb`), or a case-insensitive part of the name or entity ID.
 */
export function matchesSearch(config: ConfigSummary, query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (needle === '') return true;
  const macNeedle = needle.replace(MAC_SEPARATORS, '');
  if (macNeedle !== '' && /^[0-9a-f]+$/.test(macNeedle) && config.mac_address.replaceAll('-', '').includes(macNeedle)) {
    return true;
  }
  return [config.device_name, config.device_entity_id].some((field) => field?.toLowerCase().includes(needle));
}

/** The configs that match the search text and, when one is given, are in the sync state `status`. */
export function filterConfigs(configs: readonly ConfigSummary[], query: string, status: SyncState | null = null): ConfigSummary[] {
  return configs.filter((config) => matchesSearch(config, query) && (status === null || syncStateOf(config.fetch) === status));
}

export type OtaFilter = 'on' | 'off' | 'unset';
export const OTA_FILTERS: readonly OtaFilter[] = ['on', 'off', 'unset'];

export function isOtaFilter(value: string | null): value is OtaFilter {
  return OTA_FILTERS.includes(value as OtaFilter);
}

/** Whether OTA is on, off, or not set (a value that is not a boolean counts as not set: it does not turn OTA on). */
export function otaStateOf(config: ConfigSummary): OtaFilter {
  return config.enable_ota === true ? 'on' : config.enable_ota === false ? 'off' : 'unset';
}
