import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/domain/duration.js';
import { mergeRecords, recordFetch, syncState, type FetchRecord } from '../../src/domain/sync-state.js';
import { loadSettings } from '../../src/settings.js';

const E1 = '"etag-1"';
const E2 = '"etag-2"';
const HOUR = 3_600_000;

function record(overrides: Partial<FetchRecord> = {}): FetchRecord {
  return { lastFetchAt: 1000, etag: E1, lastChangedFetchAt: 1000, client: '10.0.0.1', userAgent: 'esp32', count: 1, lastResult: 200, ...overrides };
}

describe('sync state', () => {
  it('is never_fetched without a record, even long after, and silent wins over pending over in_sync', () => {
    expect(syncState(E1, undefined, 10 * HOUR, HOUR)).toBe('never_fetched');
    expect(syncState(E1, record(), 2000, HOUR)).toBe('in_sync');
    expect(syncState(E2, record(), 2000, HOUR)).toBe('pending');
    expect(syncState(E2, record(), 1000 + HOUR + 1, HOUR)).toBe('silent');
    expect(syncState(E1, record(), 1000 + HOUR + 1, HOUR)).toBe('silent');
    expect(syncState(E1, record({ etag: null, lastResult: 404 }), 2000, HOUR)).toBe('pending');
  });

  it('counts a 200 as a change received only when it brings another ETag, and a 404 as holding nothing', () => {
    const first = recordFetch(undefined, 200, E1, 1000, 'a', null);
    expect(first).toMatchObject({ etag: E1, lastChangedFetchAt: 1000, count: 1 });
    const again = recordFetch(first, 200, E1, 2000, 'a', null);
    expect(again).toMatchObject({ lastChangedFetchAt: 1000, count: 2 });
    const proven = recordFetch(again, 304, E1, 3000, 'b', 'ua');
    expect(proven).toMatchObject({ etag: E1, lastFetchAt: 3000, lastChangedFetchAt: 1000, client: 'b', userAgent: 'ua', count: 3, lastResult: 304 });
    const gone = recordFetch(proven, 404, null, 4000, 'b', 'ua');
    expect(gone).toMatchObject({ etag: null, lastChangedFetchAt: 1000, count: 4, lastResult: 404 });
  });

  it('merges replicas: the latest fetch gives the fields, counts are summed, the latest change is kept', () => {
    const merged = mergeRecords([
      record({ lastFetchAt: 5000, etag: E1, lastChangedFetchAt: 900, client: 'old', count: 3 }),
      record({ lastFetchAt: 9000, etag: E2, lastChangedFetchAt: null, client: 'new', count: 2, lastResult: 304 }),
      record({ lastFetchAt: 7000, lastChangedFetchAt: 7000, count: 1 }),
    ]);
    expect(merged).toEqual(record({ lastFetchAt: 9000, etag: E2, lastChangedFetchAt: 7000, client: 'new', count: 6, lastResult: 304 }));
    expect(mergeRecords([])).toBeUndefined();
  });
});

describe('device sync settings', () => {
  it('reads durations and booleans, with their defaults', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('7d')).toBe(7 * 24 * HOUR);
    for (const bad of ['', '0s', '24', '1.5h', '-1h', 'h', '1w']) expect(parseDuration(bad), bad).toBeNull();
    expect(loadSettings({}).deviceSync).toEqual({ enabled: true, silentAfterMs: 24 * HOUR, metricsPerDevice: false, haDiscovery: false });
    expect(loadSettings({ DEVICE_SILENT_AFTER: '15m', METRICS_PER_DEVICE: 'true', MQTT_HA_DISCOVERY: '1', FETCH_TRACKING: 'false' }).deviceSync).toEqual({
      enabled: false,
      silentAfterMs: 900_000,
      metricsPerDevice: true,
      haDiscovery: true,
    });
  });

  it('refuses a bad value in one line naming the variable', () => {
    expect(() => loadSettings({ DEVICE_SILENT_AFTER: '1 day' })).toThrow(/^Invalid setting DEVICE_SILENT_AFTER: expected a duration such as 90s, 15m, 24h or 7d, got "1 day"$/);
    expect(() => loadSettings({ METRICS_PER_DEVICE: 'yes please' })).toThrow(/^Invalid setting METRICS_PER_DEVICE: expected true or false/);
    expect(() => loadSettings({ MQTT_HA_DISCOVERY: 'on' })).toThrow(/MQTT_HA_DISCOVERY/);
  });
});
