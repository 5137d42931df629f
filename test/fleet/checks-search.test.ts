import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/settings.js';
import { buildTestApp } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait-until.js';

const A = 'aa-bb-cc-dd-ee-01';
const B = 'aa-bb-cc-dd-ee-02';
const C = 'aa-bb-cc-dd-ee-03';

async function put(app: FastifyInstance, mac: string, content: unknown) {
  const res = await app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content } });
  expect(res.statusCode).toBe(200);
}

const device = (entity: string, hostname: string, extra: Record<string, unknown> = {}) => ({ deviceName: 'n', deviceEntityId: entity, wifi: { ssid: 'HomeIoT-5G', hostname, password: 'hunter2-secret' }, ...extra });
const checks = async (app: FastifyInstance) => (await app.inject('/api/configs/checks')).json();
const listItem = async (app: FastifyInstance, mac: string) => (await app.inject('/api/configs')).json().configs.find((c: { mac_address: string }) => c.mac_address === mac);

describe('GET /api/configs/checks', () => {
  it('lists values of the unique keys held by more than one device, strings without regard to case', async () => {
    const { app } = await buildTestApp();
    await put(app, C, device('sensor.Kitchen', 'esp-c'));
    await put(app, A, device('sensor.kitchen', 'esp-a'));
    await put(app, B, device('sensor.porch', 'ESP-A', { wifi: { hostname: 'ESP-A', staticIp: '10.0.0.5' } }));
    expect(await checks(app)).toEqual({
      unique_keys: ['deviceEntityId', 'wifi.hostname', 'wifi.staticIp'],
      duplicates: [
        { path: 'deviceEntityId', value: 'sensor.kitchen', mac_addresses: [A, C] },
        { path: 'wifi.hostname', value: 'esp-a', mac_addresses: [A, B] },
      ],
    });
    expect((await listItem(app, A)).duplicates).toEqual([
      { path: 'deviceEntityId', value: 'sensor.kitchen', mac_addresses: [A, C], count: 2 },
      { path: 'wifi.hostname', value: 'esp-a', mac_addresses: [A, B], count: 2 },
    ]);
    const single = (await app.inject(`/api/configs/${B}`)).json();
    expect(single.duplicates).toEqual([{ path: 'wifi.hostname', value: 'esp-a', mac_addresses: [A, B], count: 2 }]);
    expect(single.content.wifi.hostname).toBe('ESP-A');
  });

  it('leaves the field out of a device without duplicates, and follows a save at once', async () => {
    const { app } = await buildTestApp();
    await put(app, A, device('sensor.one', 'h1'));
    await put(app, B, device('sensor.two', 'h2'));
    expect(await checks(app)).toEqual({ unique_keys: ['deviceEntityId', 'wifi.hostname', 'wifi.staticIp'], duplicates: [] });
    expect(await listItem(app, A)).not.toHaveProperty('duplicates');
    expect((await app.inject(`/api/configs/${A}`)).json()).not.toHaveProperty('duplicates');
    await put(app, B, device('sensor.one', 'h2'));
    expect((await checks(app)).duplicates).toEqual([{ path: 'deviceEntityId', value: 'sensor.one', mac_addresses: [A, B] }]);
  });

  it('reads the paths from UNIQUE_KEYS, numbers and booleans compared as themselves', async () => {
    const { app } = await buildTestApp({ UNIQUE_KEYS: 'mqtt.port, sensors.0.pin' });
    await put(app, A, { deviceEntityId: 'same', mqtt: { port: 1883 }, sensors: [{ pin: 4 }] });
    await put(app, B, { deviceEntityId: 'same', mqtt: { port: '1883' }, sensors: [{ pin: 4 }] });
    expect(await checks(app)).toEqual({ unique_keys: ['mqtt.port', 'sensors.0.pin'], duplicates: [{ path: 'sensors.0.pin', value: 4, mac_addresses: [A, B] }] });
    const { app: unchecked } = await buildTestApp({ UNIQUE_KEYS: '' });
    expect(await checks(unchecked)).toEqual({ unique_keys: [], duplicates: [] });
  });

  it('names at most 10 devices in a config\'s own duplicates, and all of them in the checks', async () => {
    const { app } = await buildTestApp({ UNIQUE_KEYS: 'mqtt.host' });
    const macs = Array.from({ length: 12 }, (_, i) => `aa-bb-cc-dd-ee-${String(i + 10)}`);
    for (const mac of macs) await put(app, mac, { mqtt: { host: 'broker' } });
    expect((await checks(app)).duplicates).toEqual([{ path: 'mqtt.host', value: 'broker', mac_addresses: macs }]);
    expect((await listItem(app, macs[11]!)).duplicates).toEqual([{ path: 'mqtt.host', value: 'broker', mac_addresses: macs.slice(0, 10), count: 12 }]);
  });

  it('picks up a file edited by hand', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, A, device('sensor.one', 'h1'));
    await put(app, B, device('sensor.two', 'h2'));
    expect((await checks(app)).duplicates).toEqual([]);
    await fs.writeFile(path.join(dir, `${B}.json`), JSON.stringify(device('SENSOR.ONE', 'h2')));
    await waitUntil(async () => (await checks(app)).duplicates.length === 1, 'the hand edit to show in the checks');
    expect((await checks(app)).duplicates).toEqual([{ path: 'deviceEntityId', value: 'sensor.one', mac_addresses: [A, B] }]);
  });

  it('refuses a bad UNIQUE_KEYS or SECRET_KEYS with a one-line error', () => {
    expect(() => loadSettings({ UNIQUE_KEYS: 'a..b' })).toThrow(SettingsError);
    expect(() => loadSettings({ SECRET_KEYS: '(' })).toThrow(/^Invalid setting SECRET_KEYS/);
    expect(loadSettings({ UNIQUE_KEYS: '' }).uniqueKeys).toEqual([]);
    expect(loadSettings({}).uniqueKeys.map((key) => key.path)).toEqual(['deviceEntityId', 'wifi.hostname', 'wifi.staticIp']);
  });
});

describe('GET /api/configs/search', () => {
  it('finds the first leaf per device whose path or value holds the text, without regard to case', async () => {
    const { app } = await buildTestApp();
    await put(app, A, device('sensor.one', 'h1'));
    await put(app, B, { deviceName: 'Porch', mqtt: { port: 1883 } });
    await put(app, C, { deviceName: 'Attic', sensors: [{ type: 'BME280' }] });
    const search = async (q: string, limit?: number) => (await app.inject({ url: '/api/configs/search', query: { q, ...(limit === undefined ? {} : { limit: String(limit) }) } })).json();
    expect(await search('homeiot')).toEqual({ matches: [{ mac_address: A, path: 'wifi.ssid', value: 'HomeIoT-5G' }], truncated: false });
    expect(await search('SENSORS.0')).toEqual({ matches: [{ mac_address: C, path: 'sensors.0.type', value: 'BME280' }], truncated: false });
    expect(await search('fi.ssi')).toEqual({ matches: [{ mac_address: A, path: 'wifi.ssid', value: 'HomeIoT-5G' }], truncated: false });
    expect(await search('1883')).toEqual({ matches: [{ mac_address: B, path: 'mqtt.port', value: 1883 }], truncated: false });
    expect((await search('devicename')).matches.map((m: { mac_address: string }) => m.mac_address)).toEqual([A, B, C]);
    expect(await search('devicename', 2)).toMatchObject({ matches: [{ mac_address: A }, { mac_address: B }], truncated: true });
    expect(await search('nothing-like-this')).toEqual({ matches: [], truncated: false });
  });

  it('never searches secret values, and masks them when their path matches', async () => {
    const { app } = await buildTestApp();
    await put(app, A, device('sensor.one', 'h1'));
    const search = async (q: string) => (await app.inject({ url: '/api/configs/search', query: { q } })).json();
    expect(await search('hunter2')).toEqual({ matches: [], truncated: false });
    expect(await search('wifi.pass')).toEqual({ matches: [{ mac_address: A, path: 'wifi.password', value: '********', masked: true }], truncated: false });
    expect((await app.inject({ url: '/api/configs/search', query: { q: '' } })).statusCode).toBe(400);
  });
});

describe('summary_problems', () => {
  it('tells a summary key of the wrong type from a missing one, leaving the summary fields as they were', async () => {
    const { app } = await buildTestApp();
    await put(app, A, { deviceName: 42, enableOTA: 'yes', deviceEntityId: { id: 1 } });
    await put(app, B, { other: true });
    const item = await listItem(app, A);
    expect(item).toMatchObject({ device_name: null, device_entity_id: null, enable_ota: null });
    expect(item.summary_problems).toEqual([
      { key: 'deviceName', value: 42, expected: 'string' },
      { key: 'deviceEntityId', value: 'an object', expected: 'string' },
      { key: 'enableOTA', value: 'yes', expected: 'boolean' },
    ]);
    expect(await listItem(app, B)).not.toHaveProperty('summary_problems');
    expect((await app.inject(`/api/configs/${A}`)).json().summary_problems).toHaveLength(3);
  });
});
