import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVersionFileName, versionFileName } from '../../src/domain/history-version.js';
import { buildTestApp, MAC, sampleContent, tempDir } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait-until.js';

const OTHER = '11-22-33-44-55-66';
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const put = (app: App, content: unknown, headers: Record<string, string> = {}, mac = MAC) =>
  app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content }, headers });
const historyOf = async (app: App, mac = MAC) => (await app.inject(`/api/configs/${mac}/history`)).json().versions as Record<string, unknown>[];

/** The version files of `mac` as they are on disk, in version order. */
async function versionFiles(dir: string, mac = MAC) {
  const names = await fs.readdir(path.join(dir, '.iot-config', 'history', mac)).catch(() => []);
  return names.map((name) => ({ name, meta: parseVersionFileName(mac, name)! })).sort((a, b) => a.meta.version - b.meta.version);
}

describe('history', () => {
  it('keeps one version per write, for every operation, with the exact stored bytes', async () => {
    const { app, dir } = await buildTestApp();
    const created = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' }, payload: '{"content": {"deviceName": "one", "n": 1.50}}' });
    const updated = await put(app, { deviceName: 'two' });
    expect((await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: OTHER } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${OTHER}` })).statusCode).toBe(204);

    const source = await historyOf(app);
    expect(source.map((v) => [v.version, v.operation, v.etag])).toEqual([
      [3, 'rename_from', null],
      [2, 'update', updated.headers.etag],
      [1, 'create', created.headers.etag],
    ]);
    expect((await historyOf(app, OTHER)).map((v) => [v.version, v.operation, v.etag])).toEqual([
      [2, 'delete', null],
      [1, 'rename_to', updated.headers.etag],
    ]);
    // Each version file holds the bytes as they were stored, numbers verbatim.
    const files = await versionFiles(dir);
    expect(await fs.readFile(path.join(dir, '.iot-config', 'history', MAC, files[0]!.name), 'utf8')).toBe('{\n  "deviceName": "one",\n  "n": 1.50\n}\n');
    const first = await app.inject(`/api/configs/${MAC}/history/1`);
    expect(first.json()).toMatchObject({ mac_address: MAC, version: 1, operation: 'create', content: { deviceName: 'one' }, content_text: '{\n  "deviceName": "one",\n  "n": 1.50\n}\n', size: 39, restored_from: null });
    const raw = await app.inject(`/api/configs/${MAC}/history/1.json`);
    expect(raw.body).toBe('{\n  "deviceName": "one",\n  "n": 1.50\n}\n');
    expect(raw.headers.etag).toBe(created.headers.etag);
    expect(new Date(first.json().at).toISOString()).toBe(first.json().at);
  });

  it('records the actor: anonymous with the client address without tokens', async () => {
    const { app } = await buildTestApp();
    await put(app, sampleContent());
    expect((await historyOf(app))[0]).toMatchObject({ actor: 'anonymous@127.0.0.1' });
  });

  it('restores through the save path, honouring If-Match, as a new version', async () => {
    const { app } = await buildTestApp();
    const first = await put(app, { deviceName: 'good' });
    const second = await put(app, { deviceName: 'typo' });
    const stale = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/history/1/restore`, headers: { 'if-match': first.headers.etag as string } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'PRECONDITION_FAILED' });

    const restored = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/history/1/restore`, headers: { 'if-match': second.headers.etag as string } });
    expect(restored.statusCode).toBe(200);
    expect(restored.headers.etag).toBe(first.headers.etag);
    expect(restored.json()).toMatchObject({ mac_address: MAC, device_name: 'good', content: { deviceName: 'good' } });
    expect((await app.inject(`/api/configs/${MAC}`)).json().content).toEqual({ deviceName: 'good' });
    expect((await historyOf(app))[0]).toMatchObject({ version: 3, operation: 'restore', restored_from: 1, etag: first.headers.etag });

    expect((await app.inject({ method: 'POST', url: `/api/configs/${MAC}/history/9/restore` })).json()).toMatchObject({ code: 'RECORD_NOT_FOUND', details: { version: 9 } });
  });

  it('brings a deleted config back, lists it as deleted until then, and refuses to restore a tombstone', async () => {
    const { app } = await buildTestApp();
    await put(app, { deviceName: 'Porch light' });
    await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}` });
    const deleted = await app.inject('/api/history/deleted');
    expect(deleted.json()).toEqual([{ mac_address: MAC, device_name: 'Porch light', deleted_at: expect.any(String), actor: 'anonymous@127.0.0.1', version: 2 }]);

    const tombstone = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/history/2/restore` });
    expect(tombstone.statusCode).toBe(409);
    expect(tombstone.json()).toMatchObject({ code: 'INVALID_OPERATION' });

    const back = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/history/1/restore` });
    expect(back.statusCode).toBe(200);
    expect((await app.inject(`/api/configs/${MAC}`)).json().device_name).toBe('Porch light');
    expect((await app.inject('/api/history/deleted')).json()).toEqual([]);
  });

  it('answers 404 only for a MAC that never had a config, and an empty history for a config older than it', async () => {
    const { app, dir } = await buildTestApp();
    expect((await app.inject(`/api/configs/${MAC}/history`)).json()).toMatchObject({ code: 'RECORD_NOT_FOUND' });
    await fs.writeFile(path.join(dir, `${MAC}.json`), '{"deviceName": "old"}');
    expect((await app.inject(`/api/configs/${MAC}/history`)).json()).toEqual({ mac_address: MAC, versions: [] });
  });

  it('keeps a config older than the history as an external baseline before its first change, so it can be undone', async () => {
    const { app, dir } = await buildTestApp();
    await fs.writeFile(path.join(dir, `${MAC}.json`), '{"deviceName": "before the upgrade"}');
    await put(app, { deviceName: 'after' });
    const versions = await historyOf(app);
    expect(versions.map((v) => [v.version, v.operation, v.actor])).toEqual([
      [2, 'update', 'anonymous@127.0.0.1'],
      [1, 'external', null],
    ]);
    expect((await app.inject(`/api/configs/${MAC}/history/1`)).json().content_text).toBe('{"deviceName": "before the upgrade"}');
  });

  it('records a change made by hand, found by the scan, as external with no actor', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, { deviceName: 'api' });
    await fs.writeFile(path.join(dir, `${MAC}.json`), '{"deviceName": "vim"}');
    await app.configStore.refreshListing();
    await waitUntil(async () => (await historyOf(app)).length === 2, 'the hand edit recorded');
    expect((await historyOf(app))[0]).toMatchObject({ version: 2, operation: 'external', actor: null });
    await fs.rm(path.join(dir, `${MAC}.json`));
    await app.configStore.refreshListing();
    await waitUntil(async () => (await historyOf(app)).length === 3, 'the removal by hand recorded');
    expect((await historyOf(app))[0]).toMatchObject({ version: 3, operation: 'external', etag: null });
  });

  it('keeps at most HISTORY_LIMIT versions, and none with HISTORY_LIMIT=0', async () => {
    const { app, dir } = await buildTestApp({ HISTORY_LIMIT: '3' });
    for (let i = 1; i <= 6; i++) await put(app, { n: i });
    await waitUntil(async () => (await versionFiles(dir)).length === 3, 'old versions pruned');
    expect((await historyOf(app)).map((v) => v.version)).toEqual([6, 5, 4]);

    const off = await buildTestApp({ HISTORY_LIMIT: '0' });
    await put(off.app, { n: 1 });
    expect(await versionFiles(off.dir)).toEqual([]);
  });

  it('drops versions older than HISTORY_MAX_AGE_DAYS beyond the newest ten, without a write', async () => {
    const dir = await tempDir();
    const first = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    for (let i = 1; i <= 15; i++) await put(first.app, { n: i });
    await first.app.close();
    // Versions 1 to 12 made two years ago.
    const twoYearsAgo = Date.now() - 730 * 86_400_000;
    for (const { name, meta } of (await versionFiles(dir)).filter(({ meta }) => meta.version <= 12)) {
      const old = versionFileName({ ...meta, at: twoYearsAgo + meta.version });
      await fs.rename(path.join(dir, '.iot-config', 'history', MAC, name), path.join(dir, '.iot-config', 'history', MAC, old));
    }
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir, HISTORY_MAX_AGE_DAYS: '30' });
    await waitUntil(async () => (await versionFiles(dir)).length === 10, 'old versions pruned after the start');
    expect((await historyOf(app)).map((v) => v.version)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
  });

  it('counts versions by operation and the history\'s size in the metrics', async () => {
    const { app } = await buildTestApp();
    await put(app, { n: 1 });
    await put(app, { n: 22 });
    await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}` });
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(/^iot_config_history_versions_total\{operation="create"\} 1$/m);
    expect(text).toMatch(/^iot_config_history_versions_total\{operation="update"\} 1$/m);
    expect(text).toMatch(/^iot_config_history_versions_total\{operation="delete"\} 1$/m);
    expect(text).toMatch(/^iot_config_history_bytes 27$/m);
  });

  it('survives a restart', async () => {
    const dir = await tempDir();
    const first = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    await put(first.app, { n: 1 });
    await put(first.app, { n: 2 });
    await first.app.close();
    const second = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    expect((await historyOf(second.app)).map((v) => v.version)).toEqual([2, 1]);
    expect((await second.app.inject('/api/audit')).json().entries).toHaveLength(2);
  });
});

describe('audit', () => {
  it('lists the fleet\'s changes newest first, filtered and paged', async () => {
    const { app } = await buildTestApp();
    await put(app, { n: 1 });
    await put(app, { n: 1 }, {}, OTHER);
    await put(app, { n: 2 });
    await app.inject({ method: 'DELETE', url: `/api/configs/${OTHER}` });

    const all = (await app.inject('/api/audit')).json();
    expect(all.entries.map((e: Record<string, unknown>) => [e.mac_address, e.version, e.operation])).toEqual([
      [OTHER, 2, 'delete'],
      [MAC, 2, 'update'],
      [OTHER, 1, 'create'],
      [MAC, 1, 'create'],
    ]);
    expect(all.next_cursor).toBeNull();
    expect((await app.inject(`/api/audit?mac=${MAC.toUpperCase()}`)).json().entries).toHaveLength(2);
    expect((await app.inject('/api/audit?operation=delete')).json().entries).toHaveLength(1);
    expect((await app.inject('/api/audit?actor=someone')).json().entries).toEqual([]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await app.inject(`/api/audit?since=${future}`)).json().entries).toEqual([]);
    expect((await app.inject(`/api/audit?until=${future}`)).json().entries).toHaveLength(4);

    const page1 = (await app.inject('/api/audit?limit=3')).json();
    expect(page1.entries).toHaveLength(3);
    const page2 = (await app.inject(`/api/audit?limit=3&cursor=${page1.next_cursor}`)).json();
    expect(page2).toEqual({ entries: [all.entries[3]], next_cursor: null });
    expect((await app.inject('/api/audit?cursor=nonsense')).json()).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('a save with ?validate=false', () => {
  it('is marked in its version and in the audit', async () => {
    const { app } = await buildTestApp();
    await put(app, { n: 1 });
    const skipped = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}?validate=false`, payload: { content: { n: 2 } } });
    expect(skipped.statusCode).toBe(200);
    expect((await historyOf(app)).map((v) => [v.version, v.validation_skipped])).toEqual([
      [2, true],
      [1, false],
    ]);
    const audit = (await app.inject('/api/audit')).json().entries;
    expect(audit.map((e: Record<string, unknown>) => e.validation_skipped)).toEqual([true, false]);
  });
});
