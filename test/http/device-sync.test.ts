import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC, sampleContent } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait-until.js';

const OTHER = '11-22-33-44-55-66';

function save(app: FastifyInstance, mac: string, name = 'Kitchen sensor') {
  return app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: sampleContent(name) } });
}

function deviceFetch(app: FastifyInstance, mac: string, etag?: string, legacy = false) {
  const url = legacy ? `/esp32/config/${mac}.json` : `/api/configs/${mac}.json`;
  return app.inject({ method: 'GET', url, headers: { 'user-agent': 'ESP32HTTPClient', ...(etag ? { 'if-none-match': etag } : {}) } });
}

async function fetchOf(app: FastifyInstance, mac: string) {
  const res = await app.inject({ method: 'GET', url: `/api/configs/${mac}` });
  expect(res.statusCode).toBe(200);
  return res.json().fetch as Record<string, unknown>;
}

async function listed(app: FastifyInstance, mac: string) {
  const res = await app.inject({ method: 'GET', url: '/api/configs' });
  return (res.json().configs as { mac_address: string; fetch: Record<string, unknown> }[]).find((c) => c.mac_address === mac)!;
}

describe('device fetch tracking', () => {
  it('records a 200 with the ETag sent and a 304 with the ETag proven, on both device routes', async () => {
    const { app } = await buildTestApp();
    const etag = (await save(app, MAC)).headers.etag as string;
    expect(await fetchOf(app, MAC)).toEqual({ state: 'never_fetched' });

    const first = await deviceFetch(app, MAC.toUpperCase().replaceAll('-', ':'));
    expect(first.statusCode).toBe(200);
    const afterFirst = await fetchOf(app, MAC);
    expect(afterFirst).toMatchObject({ state: 'in_sync', etag, count: 1, client: '127.0.0.1', user_agent: 'ESP32HTTPClient' });
    expect(afterFirst.last_fetch_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(afterFirst.last_changed_fetch_at).toBe(afterFirst.last_fetch_at);

    const second = await deviceFetch(app, MAC, etag, true);
    expect(second.statusCode).toBe(304);
    const afterSecond = await fetchOf(app, MAC);
    expect(afterSecond).toMatchObject({ state: 'in_sync', etag, count: 2 });
    // A 304 is no change received.
    expect(afterSecond.last_changed_fetch_at).toBe(afterFirst.last_changed_fetch_at);
  });

  it('goes from in_sync to pending on a save, and back on the next fetch; the list agrees', async () => {
    const { app } = await buildTestApp();
    const oldEtag = (await save(app, MAC, 'one')).headers.etag as string;
    await deviceFetch(app, MAC);
    const newEtag = (await save(app, MAC, 'two')).headers.etag as string;
    expect(await fetchOf(app, MAC)).toMatchObject({ state: 'pending', etag: oldEtag });
    expect((await listed(app, MAC)).fetch).toMatchObject({ state: 'pending', etag: oldEtag });

    // The device asks with the ETag it holds, and gets the new config.
    expect((await deviceFetch(app, MAC, oldEtag)).statusCode).toBe(200);
    expect(await fetchOf(app, MAC)).toMatchObject({ state: 'in_sync', etag: newEtag, count: 2 });
    await waitUntil(async () => (await listed(app, MAC)).fetch.state === 'in_sync', 'the list to show in_sync', 3000);
  });

  it('turns silent after DEVICE_SILENT_AFTER, in the item and the list, and never for a config never fetched', async () => {
    const { app } = await buildTestApp({ DEVICE_SILENT_AFTER: '1s' });
    await save(app, MAC);
    await save(app, OTHER);
    await deviceFetch(app, MAC);
    expect((await listed(app, MAC)).fetch.state).toBe('in_sync');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await fetchOf(app, MAC)).state).toBe('silent');
    expect((await listed(app, MAC)).fetch.state).toBe('silent');
    expect((await listed(app, OTHER)).fetch).toEqual({ state: 'never_fetched' });
    // Silent wins over pending.
    await save(app, MAC, 'changed');
    expect((await fetchOf(app, MAC)).state).toBe('silent');
  });

  it('lists a MAC that fetched without a config as unknown, until it has one', async () => {
    const { app } = await buildTestApp();
    expect((await deviceFetch(app, OTHER)).statusCode).toBe(404);
    expect((await deviceFetch(app, OTHER)).statusCode).toBe(404);
    const unknown = await app.inject({ method: 'GET', url: '/api/devices/unknown' });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toEqual([
      { mac_address: OTHER, last_fetch_at: expect.stringMatching(/Z$/), count: 2, client: '127.0.0.1', user_agent: 'ESP32HTTPClient' },
    ]);
    // A config created for it: no longer unknown, and pending, as it asked before.
    await save(app, OTHER);
    expect((await app.inject({ method: 'GET', url: '/api/devices/unknown' })).json()).toEqual([]);
    expect(await fetchOf(app, OTHER)).toMatchObject({ state: 'pending', etag: null, count: 2 });
    // A bad MAC is not recorded.
    expect((await deviceFetch(app, 'not-a-mac')).statusCode).toBe(400);
    expect(app.deviceSync.records.all().size).toBe(1);
  });

  it('does not move the record with a rename: the new MAC has its own state', async () => {
    const { app } = await buildTestApp();
    await save(app, MAC);
    await deviceFetch(app, MAC);
    const rename = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: OTHER } });
    expect(rename.statusCode).toBe(200);
    expect(await fetchOf(app, OTHER)).toEqual({ state: 'never_fetched' });
    // A board that asked before (404) shows pending after a rename onto it.
    const third = 'aa-aa-aa-aa-aa-aa';
    await deviceFetch(app, third);
    await app.inject({ method: 'POST', url: `/api/configs/${OTHER}/rename`, payload: { new_mac_address: third } });
    expect((await fetchOf(app, third)).state).toBe('pending');
    // The old MAC's record is kept.
    expect(app.deviceSync.records.get(MAC)?.count).toBe(1);
  });

  it('writes the records to this replica\'s file on close, and a new app loads them', async () => {
    const { app, dir } = await buildTestApp();
    const etag = (await save(app, MAC)).headers.etag as string;
    await deviceFetch(app, MAC);
    await deviceFetch(app, OTHER);
    await app.close();
    const files = await fs.readdir(path.join(dir, '.iot-config', 'fetches'));
    expect(files).toHaveLength(1);
    const stored = JSON.parse(await fs.readFile(path.join(dir, '.iot-config', 'fetches', files[0]!), 'utf8'));
    expect(stored.records[MAC]).toMatchObject({ etag, count: 1, last_result: 200 });
    expect(stored.records[OTHER]).toMatchObject({ etag: null, count: 1, last_result: 404 });
    expect(await fs.readdir(path.join(dir, '.iot-config', 'tmp'))).toEqual([]);

    const { app: again } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    await again.deviceSync.records.poll();
    expect(await fetchOf(again, MAC)).toMatchObject({ state: 'in_sync', etag, count: 1 });
    await deviceFetch(again, MAC, etag);
    expect(await fetchOf(again, MAC)).toMatchObject({ count: 2 });
  });

  it('counts fetches and states in the metrics, and per device only when asked', async () => {
    const { app } = await buildTestApp();
    const etag = (await save(app, MAC)).headers.etag as string;
    await save(app, OTHER);
    await deviceFetch(app, MAC);
    await deviceFetch(app, MAC, etag);
    await deviceFetch(app, 'aa-aa-aa-aa-aa-aa');
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('iot_config_device_fetches_total{result="200"} 1');
    expect(text).toContain('iot_config_device_fetches_total{result="304"} 1');
    expect(text).toContain('iot_config_device_fetches_total{result="404"} 1');
    expect(text).toContain('iot_config_devices{state="in_sync"} 1');
    expect(text).toContain('iot_config_devices{state="never_fetched"} 1');
    expect(text).toContain('iot_config_devices{state="pending"} 0');
    expect(text).not.toContain('iot_config_device_last_fetch_timestamp_seconds');

    const { app: perDevice } = await buildTestApp({ METRICS_PER_DEVICE: 'true' });
    await deviceFetch(perDevice, MAC);
    const perDeviceText = (await perDevice.inject({ method: 'GET', url: '/metrics' })).body;
    expect(perDeviceText).toMatch(new RegExp(`iot_config_device_last_fetch_timestamp_seconds\\{mac="${MAC}"\\} \\d+`));
  });

  it('documents `fetch` and the unknown devices in the OpenAPI document', async () => {
    const { app } = await buildTestApp();
    const doc = (await app.inject('/api/docs/openapi.json')).json();
    for (const name of ['ConfigSummary', 'ConfigResponse']) {
      expect(doc.components.schemas[name].properties.fetch.properties.state.anyOf.map((s: { enum: string[] }) => s.enum[0])).toEqual(['in_sync', 'pending', 'never_fetched', 'silent']);
    }
    const unknown = doc.paths['/api/devices/unknown'].get;
    expect(Object.keys(unknown.responses).sort()).toEqual(['200', '401', '429', '500', '503']);
    expect(JSON.stringify(unknown.responses['200'])).toContain('UnknownDevice');
  });

  it('records nothing with FETCH_TRACKING=false', async () => {
    const { app, dir } = await buildTestApp({ FETCH_TRACKING: 'false' });
    await save(app, MAC);
    await deviceFetch(app, MAC);
    expect(await fetchOf(app, MAC)).toEqual({ state: 'never_fetched' });
    await app.close();
    await expect(fs.readdir(path.join(dir, '.iot-config', 'fetches'))).rejects.toThrow(/ENOENT/);
  });
});
