import { describe, expect, it } from 'vitest';
import type { ConfigSummary } from '../api/client.js';
import { DEFAULT_SORT, filterConfigs, matchesSearch, nextSortOrder, parseSortOrder, sortConfigs } from './device-list.js';

const config = (mac: string, name: string | null, entity: string | null, ota: boolean | null): ConfigSummary => ({
  mac_address: mac,
  device_name: name,
  device_entity_id: entity,
  enable_ota: ota,
});

const FLEET = [
  config('aa-bb-cc-00-00-02', 'kitchen', 'sensor.kitchen', true),
  config('aa-bb-cc-00-00-01', 'Garage 10', 'cover.garage', false),
  config('10-20-30-40-50-60', null, null, null),
  config('de-ad-be-ef-00-01', 'Garage 9', 'light.porch', true),
];

const macs = (configs: ConfigSummary[]) => configs.map((c) => c.mac_address);

describe('sortConfigs', () => {
  it('sorts text case-insensitively with numbers in numeric order, and keeps nulls last both ways', () => {
    expect(macs(sortConfigs(FLEET, { key: 'device_name', direction: 'asc' }))).toEqual([
      'de-ad-be-ef-00-01',
      'aa-bb-cc-00-00-01',
      'aa-bb-cc-00-00-02',
      '10-20-30-40-50-60',
    ]);
    expect(macs(sortConfigs(FLEET, { key: 'device_name', direction: 'desc' }))).toEqual([
      'aa-bb-cc-00-00-02',
      'aa-bb-cc-00-00-01',
      'de-ad-be-ef-00-01',
      '10-20-30-40-50-60',
    ]);
  });

  it('sorts MACs in hex order, both ways', () => {
    const fleet = ['24-0a-c4-00-15-27', '24-0a-c4-00-00-00', '24-0a-c4-01-7e-ea', '24-0a-c4-00-0e-1a', '24-0a-c4-00-07-0d', '24-0a-c4-01-70-d0'].map((mac) =>
      config(mac, null, null, null),
    );
    const ascending = ['24-0a-c4-00-00-00', '24-0a-c4-00-07-0d', '24-0a-c4-00-0e-1a', '24-0a-c4-00-15-27', '24-0a-c4-01-70-d0', '24-0a-c4-01-7e-ea'];
    expect(macs(sortConfigs(fleet, DEFAULT_SORT))).toEqual(ascending);
    expect(macs(sortConfigs(fleet, { key: 'mac_address', direction: 'desc' }))).toEqual([...ascending].reverse());
  });

  it('sorts booleans off before on, ties by MAC, and never changes its input', () => {
    const input = [...FLEET];
    expect(macs(sortConfigs(input, { key: 'enable_ota', direction: 'asc' }))).toEqual([
      'aa-bb-cc-00-00-01',
      'aa-bb-cc-00-00-02',
      'de-ad-be-ef-00-01',
      '10-20-30-40-50-60',
    ]);
    expect(input).toEqual(FLEET);
  });
});

describe('sort order', () => {
  it('a new column starts ascending, the same column flips', () => {
    expect(nextSortOrder(DEFAULT_SORT, 'device_name')).toEqual({ key: 'device_name', direction: 'asc' });
    expect(nextSortOrder({ key: 'device_name', direction: 'asc' }, 'device_name')).toEqual({ key: 'device_name', direction: 'desc' });
    expect(nextSortOrder({ key: 'device_name', direction: 'desc' }, 'device_name')).toEqual({ key: 'device_name', direction: 'asc' });
  });

  it('reads a stored order, falling back to the default for anything unknown', () => {
    expect(parseSortOrder('{"key":"enable_ota","direction":"desc"}')).toEqual({ key: 'enable_ota', direction: 'desc' });
    for (const stored of [null, '', 'not json', '{"key":"content","direction":"asc"}', '{"key":"enable_ota","direction":"up"}', '[]']) {
      expect(parseSortOrder(stored)).toEqual(DEFAULT_SORT);
    }
  });
});

describe('search', () => {
  it('matches a MAC in any format and any part of it', () => {
    for (const query of ['AA:BB:CC', 'aa-bb-cc-00-00-02', 'aabbcc000002', 'AABB.CC00', '00:00:02', ' cc00 ']) {
      expect(matchesSearch(FLEET[0]!, query)).toBe(true);
    }
    expect(matchesSearch(FLEET[0]!, 'aa:bb:cc:00:00:01')).toBe(false);
  });

  it('matches the name and entity ID case-insensitively, and an empty query matches all', () => {
    expect(macs(filterConfigs(FLEET, 'GARAGE'))).toEqual(['aa-bb-cc-00-00-01', 'de-ad-be-ef-00-01']);
    expect(macs(filterConfigs(FLEET, 'light.'))).toEqual(['de-ad-be-ef-00-01']);
    expect(filterConfigs(FLEET, '   ')).toHaveLength(4);
    expect(filterConfigs(FLEET, 'nothing')).toEqual([]);
  });

  it('does not treat a word that happens to be hex as a MAC only', () => {
    // "bed" is hex, but no MAC contains it; names are still searched.
    expect(macs(filterConfigs([config('aa-bb-cc-dd-ee-ff', 'Bedroom', null, null)], 'bed'))).toEqual(['aa-bb-cc-dd-ee-ff']);
  });
});
