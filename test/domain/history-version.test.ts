import { describe, expect, it } from 'vitest';
import { normaliseActor, parseVersionFileName, versionFileName, versionsToPrune, type VersionMeta } from '../../src/domain/history-version.js';
import { HistoryCatalog } from '../../src/storage/history-catalog.js';

const MAC = 'aa-bb-cc-dd-ee-ff';
const ETAG = '"abcdefghijklmnopqrstuvwxyz012-_9"';
const DAY = 86_400_000;

const meta = (version: number, at: number, extra: Partial<VersionMeta> = {}): VersionMeta => ({
  mac: MAC, version, at, operation: 'update', actor: 'alice', etag: ETAG, size: 10, restoredFrom: null, validationSkipped: false, ...extra,
});

describe('version file names', () => {
  it('carry every field and read back the same, whatever the actor holds', () => {
    for (const actor of ['alice', null, 'anonymous@::1', 'Ünïcode user.name_%2F..json', 'a.b.c']) {
      for (const extra of [{}, { etag: null, size: 0, operation: 'delete' as const }, { operation: 'restore' as const, restoredFrom: 7 }, { validationSkipped: true }]) {
        const version = meta(42, 1_796_676_584_123, { actor, ...extra });
        const name = versionFileName(version);
        expect(name).toMatch(/^0000000042\./);
        expect(name.endsWith('.json')).toBe(true);
        expect(Buffer.byteLength(name)).toBeLessThan(256);
        expect(parseVersionFileName(MAC, name)).toEqual(version);
      }
    }
  });

  it('fit in 255 bytes for the longest actor kept', () => {
    expect([...normaliseActor('a'.repeat(500))]).toHaveLength(64);
    for (const long of ['ü'.repeat(500), '😀'.repeat(500), '%'.repeat(500)]) {
      const actor = normaliseActor(long);
      expect(actor.length).toBeGreaterThan(10);
      expect(Buffer.byteLength(versionFileName(meta(9_999_999_999, Date.now(), { actor, operation: 'rename_from', restoredFrom: 9_999_999_999, size: 999_999_999_999 })))).toBeLessThanOrEqual(255);
    }
  });

  it('are told from other files', () => {
    for (const name of ['notes.txt', '0000000001.json', '.0000000001.1.update.0.1.-..json.host.1.abc.0.tmp', `0000000001.1.unknown.0.1.-.x.json`]) {
      expect(parseVersionFileName(MAC, name)).toBeNull();
    }
  });
});

describe('retention', () => {
  const now = 1000 * DAY;
  it('keeps the newest `limit`, and drops versions older than the age limit beyond the newest ten', () => {
    const versions = Array.from({ length: 15 }, (_, i) => meta(i + 1, now - (15 - i) * DAY));
    expect(versionsToPrune(versions, 12, 365 * DAY, now).map((v) => v.version)).toEqual([1, 2, 3]);
    // All older than 3 days but the newest two: only the ten newest stay.
    expect(versionsToPrune(versions, 100, 3 * DAY, now).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('the audit catalog', () => {
  it('answers newest first across MACs, pages with a cursor, and forgets what is removed', () => {
    const catalog = new HistoryCatalog();
    const other = '11-22-33-44-55-66';
    catalog.load(new Map([[MAC, [meta(1, 100), meta(2, 300)]], [other, [meta(1, 200, { mac: other, actor: 'bob' })]]]));
    catalog.add(meta(3, 250)); // another replica's version seen late is put in its place
    const page = catalog.audit({ limit: 2 });
    expect(page.entries.map((m) => [m.mac, m.version])).toEqual([[MAC, 2], [MAC, 3]]);
    expect(page.more).toBe(true);
    const next = catalog.audit({ limit: 2, after: page.entries[1]! });
    expect(next.entries.map((m) => [m.mac, m.version])).toEqual([[other, 1], [MAC, 1]]);
    expect(catalog.audit({ limit: 10, actor: 'bob' }).entries).toHaveLength(1);
    expect(catalog.audit({ limit: 10, since: 200, until: 300 }).entries.map((m) => m.at)).toEqual([250, 200]);
    catalog.remove(MAC, [catalog.versionsOf(MAC)[0]!]);
    expect(catalog.audit({ limit: 10, mac: MAC }).entries.map((m) => m.version)).toEqual([3, 2]);
    expect(catalog.totalBytes).toBe(30);
  });
});
