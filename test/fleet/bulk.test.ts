import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { startBroker, subscribe } from '../mqtt/broker.js';

const A = 'aa-bb-cc-dd-ee-01';
const B = 'aa-bb-cc-dd-ee-02';
const C = 'aa-bb-cc-dd-ee-03';
const MISSING = 'aa-bb-cc-dd-ee-99';

const content = (name: string) => ({ deviceName: name, enableOTA: true, wifi: { ssid: 'home', channel: 6 }, sensors: [{ pin: 4, offset: 1.50 }] });

async function put(app: FastifyInstance, mac: string, body: unknown) {
  const res = await app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: body } });
  expect(res.statusCode).toBe(200);
  return res.headers.etag as string;
}

function bulk(app: FastifyInstance, body: unknown, dryRun = false) {
  return app.inject({ method: 'POST', url: `/api/configs/bulk${dryRun ? '?dry_run=true' : ''}`, payload: body as object });
}

const stored = async (dir: string, mac: string) => fs.readFile(path.join(dir, `${mac}.json`), 'utf8');
const versionsOf = async (app: FastifyInstance, mac: string) => (await app.inject(`/api/configs/${mac}/history`)).json().versions as { version: number; actor: string; operation: string }[];

/** Every file under the directory with its bytes, history included. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.lock')) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = await fs.readFile(file, 'utf8');
  }
  return files;
}

describe('POST /api/configs/bulk', () => {
  it('sets and unsets paths, keeping key order and the stored format, and answers in the order of macs', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, A, content('one'));
    await put(app, B, content('two'));
    const res = await bulk(app, { macs: [B, 'AA:BB:CC:DD:EE:01', MISSING], set: [{ path: 'wifi.ssid', value: 'HomeIoT-5G' }, { path: 'sensors.0.pin', value: 5 }], unset: ['enableOTA'] });
    expect(res.statusCode).toBe(200);
    const { results } = res.json();
    expect(results.map((r: { mac_address: string; status: string }) => [r.mac_address, r.status])).toEqual([[B, 'saved'], [A, 'saved'], [MISSING, 'not_found']]);
    expect(await stored(dir, A)).toBe('{\n  "deviceName": "one",\n  "wifi": {\n    "ssid": "HomeIoT-5G",\n    "channel": 6\n  },\n  "sensors": [\n    {\n      "pin": 5,\n      "offset": 1.5\n    }\n  ]\n}\n');
    const read = await app.inject(`/api/configs/${A}`);
    expect(read.headers.etag).toBe(results[1].etag);
    expect(results[2]).toEqual({ mac_address: MISSING, status: 'not_found', etag: null });
    await expect(fs.access(path.join(dir, `${MISSING}.json`))).rejects.toThrow();
  });

  it('gives every config the same set value, even when a later step edits through it', async () => {
    const { app, dir } = await buildTestApp();
    for (const [mac, name] of [[A, 'one'], [B, 'two'], [C, 'three']] as const) await put(app, mac, content(name));
    const res = await bulk(app, { macs: [A, B, C], set: [{ path: 'list', value: [1, 2, 3] }], unset: ['list.0'] });
    expect(res.json().results.map((r: { status: string }) => r.status)).toEqual(['saved', 'saved', 'saved']);
    for (const mac of [A, B, C]) expect(JSON.parse(await stored(dir, mac)).list, mac).toEqual([2, 3]);
  });

  it('counts a number sent as stored, in another spelling, as unchanged', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${A}`, headers: { 'content-type': 'application/json' }, payload: '{"content": {"a": 1.0, "b": 1e3}}' });
    const before = await stored(dir, A);
    const res = await bulk(app, { macs: [A], patch: { a: 1.0, b: 1000 } });
    expect(res.json().results[0].status).toBe('unchanged');
    expect(await stored(dir, A)).toBe(before);
  });

  it('keeps number spellings a parse would lose, and leaves an unchanged config unwritten', async () => {
    const { app, dir } = await buildTestApp();
    const body = '{"content": {"big": 12345678901234567890123, "f": 1.0, "name": "x"}}';
    const first = await app.inject({ method: 'PUT', url: `/api/configs/${A}`, headers: { 'content-type': 'application/json' }, payload: body });
    const res = await bulk(app, { macs: [A], set: [{ path: 'name', value: 'y' }] });
    expect(res.json().results[0].status).toBe('saved');
    expect(await stored(dir, A)).toBe('{\n  "big": 12345678901234567890123,\n  "f": 1.0,\n  "name": "y"\n}\n');
    const again = await bulk(app, { macs: [A], set: [{ path: 'name', value: 'y' }, { path: 'f', value: 1.0 }] });
    // 1.0 arrives as the number 1, equal by value to the stored 1.0: no change, and its spelling stays.
    expect(again.json().results[0].status).toBe('unchanged');
    const same = await bulk(app, { macs: [A], set: [{ path: 'name', value: 'y' }] });
    expect(same.json().results[0]).toEqual({ mac_address: A, status: 'unchanged', etag: same.json().results[0].etag });
    expect(await stored(dir, A)).toContain('"f": 1.0');
    expect((await versionsOf(app, A)).length).toBe(2);
    expect(first.statusCode).toBe(200);
  });

  it('creates missing parents on set, and fails only the device whose path goes through a non-object', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, A, content('one'));
    await put(app, B, { ...content('two'), ota: 'off' });
    const res = await bulk(app, { macs: [A, B], set: [{ path: 'ota.schedule.hour', value: 3 }] });
    const [a, b] = res.json().results;
    expect(a.status).toBe('saved');
    expect(JSON.parse(await stored(dir, A)).ota).toEqual({ schedule: { hour: 3 } });
    expect(b).toMatchObject({ mac_address: B, status: 'failed', error: 'ota is a string, not an object' });
    expect(JSON.parse(await stored(dir, B)).ota).toBe('off');
    expect(b.etag).toBe((await app.inject(`/api/configs/${B}`)).headers.etag);
  });

  it('applies a JSON Merge Patch: null removes, objects merge, arrays replace', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, A, content('one'));
    const res = await bulk(app, { macs: [A], patch: { enableOTA: null, wifi: { ssid: 'new', hidden: true }, sensors: [] } });
    expect(res.json().results[0].status).toBe('saved');
    expect(JSON.parse(await stored(dir, A))).toEqual({ deviceName: 'one', wifi: { ssid: 'new', channel: 6, hidden: true }, sensors: [] });
  });

  it('writes nothing on a dry run and answers each device diff with its current ETag', async () => {
    const { app, dir } = await buildTestApp();
    const etag = await put(app, A, content('one'));
    const before = await snapshot(dir);
    const res = await bulk(app, { macs: [A], patch: { enableOTA: null, wifi: { ssid: 'new' }, extra: { on: true } } }, true);
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([
      {
        mac_address: A,
        status: 'saved',
        etag,
        diff: [
          { path: 'wifi.ssid', before: 'home', after: 'new' },
          { path: 'extra', after: { on: true } },
          { path: 'enableOTA', before: true },
        ],
      },
    ]);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('reports a device whose ETag no longer matches as conflict and leaves it alone', async () => {
    const { app, dir } = await buildTestApp();
    const etagA = await put(app, A, content('one'));
    const etagB = await put(app, B, content('two'));
    const preview = await bulk(app, { macs: [A, B], set: [{ path: 'deviceName', value: 'renamed' }] }, true);
    expect(preview.json().results.map((r: { etag: string }) => r.etag)).toEqual([etagA, etagB]);
    const changedB = await put(app, B, content('changed meanwhile'));
    const res = await bulk(app, { macs: [A, B], set: [{ path: 'deviceName', value: 'renamed' }], if_match: { [A]: etagA, [B]: etagB } });
    const [a, b] = res.json().results;
    expect(a.status).toBe('saved');
    expect(b).toMatchObject({ mac_address: B, status: 'conflict', etag: changedB });
    expect(JSON.parse(await stored(dir, B)).deviceName).toBe('changed meanwhile');
  });

  it('fails a device whose result fails its JSON Schema, and saves the others', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, A, content('one'));
    await put(app, B, { ...content('two'), deviceType: 'strict' });
    const schema = await app.inject({ method: 'PUT', url: '/api/schemas/strict', payload: { type: 'object', properties: { wifi: { type: 'object', properties: { channel: { type: 'integer', maximum: 13 } } } } } });
    expect(schema.statusCode).toBeLessThan(300);
    const preview = await bulk(app, { macs: [A, B], set: [{ path: 'wifi.channel', value: 14 }] }, true);
    expect(preview.json().results.map((r: { status: string }) => r.status)).toEqual(['saved', 'failed']);
    const res = await bulk(app, { macs: [A, B], set: [{ path: 'wifi.channel', value: 14 }] });
    const [a, b] = res.json().results;
    expect(a.status).toBe('saved');
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/fails schema strict: \/wifi\/channel/);
    expect(JSON.parse(await stored(dir, B)).wifi.channel).toBe(6);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/iot_config_operations_total\{operation="save",status="invalid_body"\} 1/);
    expect(metrics).toMatch(/iot_config_operations_total\{operation="save",status="success"\} 3/);
  });

  it('refuses a bad request as a whole before any write, and writes no history version', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, A, content('one'));
    await put(app, B, content('two'));
    const before = await snapshot(dir);
    const set = [{ path: 'deviceName', value: 'x' }];
    const bad = [
      { macs: [A, 'not-a-mac'], set },
      { macs: [A, B, 'AA:BB:CC:DD:EE:02'], set },
      { macs: [A], set: [{ path: 'wifi..ssid', value: 1 }] },
      { macs: [A], set: [{ path: '__proto__.x', value: 1 }] },
      { macs: [A], set, patch: { a: 1 } },
      { macs: [A] },
      { macs: [A], set: [], unset: [] },
      { macs: [A], set, if_match: { [C]: '"x"' } },
      { macs: [A], set, if_match: { [A]: 'unquoted' } },
      { macs: [A], patch: [1] },
    ];
    for (const body of bad) {
      const res = await bulk(app, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
    expect(await snapshot(dir)).toEqual(before);
    expect((await versionsOf(app, A)).length).toBe(1);
  });

  it('takes 10,000 MACs in one call and refuses 10,001', async () => {
    const { app } = await buildTestApp();
    const macs = (n: number) => Array.from({ length: n }, (_, i) => `02-00-00-${[(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff].map((b) => b.toString(16).padStart(2, '0')).join('-')}`);
    const ok = await bulk(app, { macs: macs(10_000), set: [{ path: 'a', value: 1 }] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().results).toHaveLength(10_000);
    expect(ok.json().results.every((r: { status: string }) => r.status === 'not_found')).toBe(true);
    const refused = await bulk(app, { macs: macs(10_001), set: [{ path: 'a', value: 1 }] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().code).toBe('VALIDATION_FAILED');
  });

  it('records a history version per saved config with the actor', async () => {
    const { app } = await buildTestApp();
    await put(app, A, content('one'));
    await bulk(app, { macs: [A], set: [{ path: 'deviceName', value: 'renamed' }] });
    const versions = await versionsOf(app, A);
    expect(versions.map((v) => [v.version, v.operation, v.actor])).toEqual([
      [2, 'update', 'anonymous@127.0.0.1'],
      [1, 'create', 'anonymous@127.0.0.1'],
    ]);
  });
});

describe('bulk saves notify over MQTT', { timeout: 60_000 }, () => {
  it('publishes one save message per saved config, none for unchanged or failed ones', async () => {
    const broker = await startBroker();
    const { app } = await buildTestApp({ MQTT_URL: broker.url });
    await put(app, A, content('one'));
    await put(app, B, { ...content('two'), wifi: 'flat' });
    await put(app, C, content('three'));
    const subscriber = await subscribe(broker.url, ['iotsupport/updates/configs']);
    const res = await bulk(app, { macs: [A, B, C], set: [{ path: 'wifi.ssid', value: 'home' }, { path: 'deviceName', value: 'one' }] });
    const [a, b, c] = res.json().results;
    expect([a.status, b.status, c.status]).toEqual(['unchanged', 'failed', 'saved']);
    // A sentinel save after the bulk one: once its message arrives, nothing else is on its way.
    const sentinel = await put(app, 'ff-ff-ff-ff-ff-00', content('sentinel'));
    const messages = await subscriber.waitForMessages(2);
    expect(messages.map((m) => [(m.payload as { mac_address: string }).mac_address, (m.payload as { etag: string }).etag])).toEqual([
      [C, c.etag],
      ['ff-ff-ff-ff-ff-00', sentinel],
    ]);
  });
});
