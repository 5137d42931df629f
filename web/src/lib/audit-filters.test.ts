import { describe, expect, it } from 'vitest';
import { auditQuery, filtersFromSearch, searchFromFilters } from './audit-filters.js';

const none = { mac: '', actor: '', operation: '', from: '', to: '' };

describe('audit filters', () => {
  it('round-trips through the URL, leaving out empty filters', () => {
    const filters = { ...none, mac: 'AA:BB:CC:DD:EE:01', operation: 'delete', from: '2026-12-01' };
    const search = searchFromFilters(filters);
    expect(search.toString()).toBe('mac=AA%3ABB%3ACC%3ADD%3AEE%3A01&operation=delete&from=2026-12-01');
    expect(filtersFromSearch(search)).toEqual(filters);
    expect(searchFromFilters(none).toString()).toBe('');
  });

  it('turns them into the API query: canonical MAC, days as local midnights, the end day included', () => {
    const result = auditQuery({ mac: 'aabbccddee01', actor: 'alice', operation: 'update', from: '2026-12-01', to: '2026-12-02' });
    expect(result).toEqual({
      query: {
        mac: 'aa-bb-cc-dd-ee-01',
        actor: 'alice',
        operation: 'update',
        since: new Date(2026, 11, 1).toISOString(),
        until: new Date(2026, 11, 3).toISOString(),
      },
    });
    expect(auditQuery(none)).toEqual({ query: {} });
  });

  it('says which filter is wrong', () => {
    expect(auditQuery({ ...none, mac: 'kitchen' })).toEqual({ invalid: 'mac', message: 'Not a MAC address' });
    expect(auditQuery({ ...none, operation: 'drop' })).toEqual({ invalid: 'operation', message: 'Unknown operation' });
    expect(auditQuery({ ...none, from: '12/01/2026' })).toEqual({ invalid: 'from', message: 'Not a date' });
    expect(auditQuery({ ...none, from: '2026-12-05', to: '2026-12-01' })).toEqual({ invalid: 'to', message: 'Ends before it starts' });
  });
});
