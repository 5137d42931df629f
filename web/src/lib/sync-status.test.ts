import { describe, expect, it } from 'vitest';
import { filterConfigs, sortConfigs } from './device-list.js';
import { relativeTime, syncTooltip } from './sync-status.js';
import type { ConfigSummary } from '../api/client.js';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const config = (mac: string, state?: 'in_sync' | 'pending' | 'silent'): ConfigSummary => ({
  mac_address: mac,
  device_name: null,
  device_entity_id: null,
  enable_ota: null,
  fetch: state ? { state, last_fetch_at: '2026-12-07T11:57:00.000Z', client: '10.0.0.7' } : { state: 'never_fetched' },
});

describe('sync status in the UI', () => {
  it('tells the last fetch as a relative time with the client', () => {
    expect(relativeTime('2026-12-07T11:57:00.000Z', NOW)).toBe('3 min ago');
    expect(relativeTime('2026-12-07T11:59:55.000Z', NOW)).toBe('just now');
    expect(relativeTime('2026-12-05T12:00:00.000Z', NOW)).toBe('2 days ago');
    expect(syncTooltip(config('aa-00-00-00-00-01', 'pending').fetch, NOW)).toBe('Last fetch 3 min ago from 10.0.0.7');
    expect(syncTooltip({ state: 'never_fetched' }, NOW)).toBe('The device has never fetched this config');
  });

  it('filters by state and sorts what needs a look first', () => {
    const configs = [config('aa-00-00-00-00-01', 'in_sync'), config('aa-00-00-00-00-02'), config('aa-00-00-00-00-03', 'pending'), config('aa-00-00-00-00-04', 'silent')];
    expect(filterConfigs(configs, '', 'pending').map((c) => c.mac_address)).toEqual(['aa-00-00-00-00-03']);
    expect(filterConfigs(configs, '', null)).toHaveLength(4);
    const sorted = sortConfigs(configs, { key: 'status', direction: 'asc' }).map((c) => c.fetch?.state);
    expect(sorted).toEqual(['pending', 'silent', 'never_fetched', 'in_sync']);
  });
});
