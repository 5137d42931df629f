import type { ConfigSummary } from '../api/client.js';

export type SortKey = 'mac_address' | 'device_name' | 'device_entity_id' | 'enable_ota';
export type SortDirection = 'asc' | 'desc';
export interface SortOrder {
  key: SortKey;
  direction: SortDirection;
}

export const DEFAULT_SORT: SortOrder = { key: 'mac_address', direction: 'asc' };
const SORT_KEYS: readonly SortKey[] = ['mac_address', 'device_name', 'device_entity_id', 'enable_ota'];

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Canonical MACs are lowercase hex of one width: code-point order is their numeric order. */
const compareMacs = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareValues(key: SortKey, a: string | boolean, b: string | boolean): number {
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  // The collator's numeric mode would read a MAC's digit runs as decimal numbers: 00-0e-1a before 00-07-0d.
  if (key === 'mac_address') return compareMacs(a, b);
  return collator.compare(a, b);
}

/**
 * The configs in the given order. Missing values (null) always go last,
 * whichever the direction; ties keep MAC order so the list never jumps.
 */
export function sortConfigs(configs: readonly ConfigSummary[], order: SortOrder): ConfigSummary[] {
  const sign = order.direction === 'asc' ? 1 : -1;
  return [...configs].sort((a, b) => {
    const x = a[order.key];
    const y = b[order.key];
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

export function filterConfigs(configs: readonly ConfigSummary[], query: string): ConfigSummary[] {
  return configs.filter((config) => matchesSearch(config, query));
}
