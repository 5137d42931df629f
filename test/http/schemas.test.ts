import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC } from '../helpers/app.js';
import { namesIn } from '../helpers/stored-names.js';

const OTHER = '11-22-33-44-55-66';

/** A typical ESP32 config schema, 2020-12, with a `$ref` to a definition. */
export const SENSOR_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Sensor node',
  type: 'object',
  required: ['wifi', 'mqtt'],
  properties: {
    deviceType: { type: 'string' },
    wifi: {
      type: 'object',
      required: ['ssid'],
      properties: { ssid: { type: 'string', minLength: 1 }, security: { enum: ['wpa2', 'wpa3'] } },
    },
    mqtt: { $ref: '#/$defs/mqtt' },
  },
  $defs: {
    mqtt: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer', minimum: 1, maximum: 65535 } }, additionalProperties: false },
  },
};

const good = { deviceType: 'sensor', wifi: { ssid: 'home', security: 'wpa2' }, mqtt: { host: 'broker', port: 1883 } };
const bad = { deviceType: 'sensor', wifi: { ssid: 'home', security: 'wep' }, mqtt: { host: 'broker', port: '1883', qos: 1 } };

async function withSchema(name: string, schema: unknown, env: Record<string, string> = {}) {
  const built = await buildTestApp(env);
  const res = await built.app.inject({ method: 'PUT', url: `/api/schemas/${name}`, payload: schema as object });
  expect(res.statusCode, res.body).toBe(200);
  return built;
}

describe('schemas and validation on save', () => {
  it('refuses a config that fails its deviceType schema with pointers and readable messages, and writes nothing', async () => {
    const { app, dir } = await withSchema('sensor', SENSOR_SCHEMA);
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: bad } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('SCHEMA_VIOLATION');
    expect(body.details.schema).toBe('sensor');
    expect(body.details.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/wifi/security', message: 'is not one of: wpa2, wpa3', keyword: 'enum' },
        { pointer: '/mqtt/port', message: 'must be a whole number', keyword: 'type' },
        expect.objectContaining({ pointer: '/mqtt/qos', keyword: 'additionalProperties' }),
      ]),
    );
    expect(await namesIn(dir)).not.toContain(`${MAC}.json`);
    expect(JSON.parse((await app.inject({ url: '/api/audit' })).body).entries).toEqual([]);
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/iot_config_validation_failures_total\{schema="sensor"\} 1/);
  });

  it('saves a failing config with ?validate=false and flags it as drift in the list and on the config', async () => {
    const { app, dir } = await withSchema('sensor', SENSOR_SCHEMA);
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}?validate=false`, payload: { content: bad } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8'))).toEqual(bad);
    const list = (await app.inject({ url: '/api/configs' })).json();
    expect(list.configs[0].validation).toEqual({ schema: 'sensor', valid: false, error_count: 3 });
    const one = (await app.inject({ url: `/api/configs/${MAC}` })).json();
    expect(one.validation.valid).toBe(false);
    expect(one.validation.errors).toHaveLength(3);
    const device = await app.inject({ url: `/esp32/${MAC}.json` });
    expect(device.statusCode).not.toBe(400);
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/iot_config_configs_failing_schema 1/);
  });

  it('selects the schema by deviceType, else default, else none', async () => {
    const { app } = await withSchema('default', { type: 'object', required: ['deviceName'] });
    await app.inject({ method: 'PUT', url: '/api/schemas/sensor', payload: SENSOR_SCHEMA });
    const validate = async (content: object) => (await app.inject({ method: 'POST', url: `/api/configs/${MAC}/validate`, payload: { content } })).json();
    expect(await validate(good)).toEqual({ schema: 'sensor', valid: true, errors: [] });
    expect(await validate({ deviceType: 'unknown-type' })).toEqual({ schema: 'default', valid: false, errors: [{ pointer: '/deviceName', message: 'is required', keyword: 'required' }] });
    expect(await validate({ deviceName: 'x' })).toMatchObject({ schema: 'default', valid: true });
    expect((await app.inject({ method: 'DELETE', url: '/api/schemas/default' })).statusCode).toBe(204);
    expect(await validate({ deviceType: 'other' })).toEqual({ schema: null, valid: true, errors: [] });
    const list = (await app.inject({ url: '/api/configs' })).json();
    expect(list.configs).toEqual([]);
  });

  it('takes the selector key from SCHEMA_SELECTOR_KEY', async () => {
    const { app } = await withSchema('relay', { type: 'object', required: ['pin'] }, { SCHEMA_SELECTOR_KEY: 'board' });
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { board: 'relay' } } });
    expect(res.json().details.errors).toEqual([{ pointer: '/pin', message: 'is required', keyword: 'required' }]);
  });

  it('accepts draft-07 schemas and refuses schemas that do not compile, saving nothing', async () => {
    const { app, dir } = await withSchema('legacy', {
      $schema: 'http://json-schema.org/draft-07/schema#',
      definitions: { port: { type: 'integer' } },
      properties: { port: { $ref: '#/definitions/port' } },
    });
    const refused = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceType: 'legacy', port: 'x' } } });
    expect(refused.json().details.errors).toEqual([{ pointer: '/port', message: 'must be a whole number', keyword: 'type' }]);
    const broken = await app.inject({ method: 'PUT', url: '/api/schemas/broken', payload: { type: 'objekt' } });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('INVALID_SCHEMA');
    expect(broken.json().details.reason).toMatch(/type/);
    const badRef = await app.inject({ method: 'PUT', url: '/api/schemas/broken', payload: { $ref: '#/$defs/missing' } });
    expect(badRef.statusCode).toBe(400);
    const badName = await app.inject({ method: 'PUT', url: '/api/schemas/..hidden', payload: {} });
    expect(badName.statusCode).toBe(400);
    expect(await namesIn(path.join(dir, '.iot-config', 'schemas'))).toEqual(['legacy.json']);
  });

  it('answers a dry run with the configs that would fail, and saves nothing', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: bad } });
    await app.inject({ method: 'PUT', url: `/api/configs/${OTHER}`, payload: { content: good } });
    const res = await app.inject({ method: 'PUT', url: '/api/schemas/sensor?dry_run=true', payload: SENSOR_SCHEMA });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'sensor', dry_run: true, config_count: 2, failing_count: 1, failing: [{ mac_address: MAC }] });
    expect(res.json().failing[0].errors).toHaveLength(3);
    expect(await namesIn(path.join(dir, '.iot-config')).catch(() => [])).not.toContain('schemas');
    expect((await app.inject({ url: '/api/schemas' })).json()).toEqual([]);
  });

  it('lists, reads with an ETag, honours If-Match and deletes schemas', async () => {
    const { app } = await withSchema('sensor', SENSOR_SCHEMA);
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}?validate=false`, payload: { content: bad } });
    await app.inject({ method: 'PUT', url: `/api/configs/${OTHER}`, payload: { content: good } });
    const list = (await app.inject({ url: '/api/schemas' })).json();
    expect(list).toEqual([{ name: 'sensor', title: 'Sensor node', description: null, updated_at: expect.any(String), config_count: 2, failing_count: 1 }]);
    const read = await app.inject({ url: '/api/schemas/sensor' });
    expect(read.json().schema).toEqual(SENSOR_SCHEMA);
    const stale = await app.inject({ method: 'PUT', url: '/api/schemas/sensor', headers: { 'if-match': '"nope"' }, payload: SENSOR_SCHEMA });
    expect(stale.statusCode).toBe(412);
    const ok = await app.inject({ method: 'PUT', url: '/api/schemas/sensor', headers: { 'if-match': read.headers.etag as string }, payload: { ...SENSOR_SCHEMA, title: 'New' } });
    expect(ok.statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/schemas/sensor', headers: { 'if-match': read.headers.etag as string } })).statusCode).toBe(412);
    expect((await app.inject({ method: 'DELETE', url: '/api/schemas/sensor' })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/schemas/sensor' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/configs' })).json().configs[0].validation).toEqual({ schema: null, valid: true, error_count: 0 });
  });

  it('validates a restore like a save', async () => {
    const { app } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: bad } });
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: good } });
    await app.inject({ method: 'PUT', url: '/api/schemas/sensor', payload: SENSOR_SCHEMA });
    const res = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/history/1/restore` });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('SCHEMA_VIOLATION');
    const anyway = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/history/1/restore?validate=false` });
    expect(anyway.statusCode).toBe(200);
    expect(anyway.json().content).toEqual(bad);
  });
});
