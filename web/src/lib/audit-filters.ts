import type { AuditQuery } from '../api/client.js';
import { HISTORY_OPERATIONS } from './history-labels.js';
import { normaliseMac } from './config-text.js';

/** The audit page's filters as kept in its URL: dates are days (YYYY-MM-DD) in the browser's time zone, both included. */
export interface AuditFilters {
  mac: string;
  actor: string;
  operation: string;
  from: string;
  to: string;
}

const KEYS = ['mac', 'actor', 'operation', 'from', 'to'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromSearch(search: URLSearchParams): AuditFilters {
  const read = (key: (typeof KEYS)[number]) => search.get(key)?.trim() ?? '';
  return { mac: read('mac'), actor: read('actor'), operation: read('operation'), from: read('from'), to: read('to') };
}

/** The URL query for the filters, without the empty ones, so a shared link stays short. */
export function searchFromFilters(filters: AuditFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const key of KEYS) if (filters[key].trim()) search.set(key, filters[key].trim());
  return search;
}

/** Local midnight of a YYYY-MM-DD day, `offsetDays` later, as an ISO instant. */
function startOfDay(day: string, offsetDays = 0): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date + offsetDays).toISOString();
}

/** The filters as the API takes them, or the first one that is not valid and why. */
export function auditQuery(filters: AuditFilters): { query: AuditQuery } | { invalid: keyof AuditFilters; message: string } {
  const query: AuditQuery = {};
  if (filters.mac) {
    const mac = normaliseMac(filters.mac);
    if (mac === null) return { invalid: 'mac', message: 'Not a MAC address' };
    query.mac = mac;
  }
  if (filters.actor) query.actor = filters.actor;
  if (filters.operation) {
    if (!(HISTORY_OPERATIONS as readonly string[]).includes(filters.operation)) return { invalid: 'operation', message: 'Unknown operation' };
    query.operation = filters.operation;
  }
  if (filters.from) {
    if (!DAY.test(filters.from)) return { invalid: 'from', message: 'Not a date' };
    query.since = startOfDay(filters.from);
  }
  if (filters.to) {
    if (!DAY.test(filters.to)) return { invalid: 'to', message: 'Not a date' };
    // The API's `until` is exclusive: up to the start of the next day includes the whole of this one.
    query.until = startOfDay(filters.to, 1);
  }
  if (query.since && query.until && query.since >= query.until) return { invalid: 'to', message: 'Ends before it starts' };
  return { query };
}
