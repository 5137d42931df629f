import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildTestApp, sampleContent } from '../helpers/app.js';
import { startBroker, subscribe } from './broker.js';
import { waitUntil } from '../helpers/wait-until.js';

const A = 'aa-bb-cc-dd-ee-01';
const B = 'aa-bb-cc-dd-ee-02';
const SENTINEL = 'ff-ff-ff-ff-ff-00';

function save(app: FastifyInstance, mac: string, body: object = { content: sampleContent() }, headers: Record<string, string> = {}) {
  return app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: body, headers });
}

/** The two messages (shared topic, then the device's own) for one change. */
function expected(prefix: string, mac: string, etag: string | null, operation: 'save' | 'delete') {
  const payload = { filename: `${mac}.json`, mac_address: mac, etag, operation };
  return [
    { topic: `${prefix}/updates/configs`, payload, qos: 1, retain: false, contentType: 'application/json' },
    { topic: `${prefix}/devices/${mac}/config`, payload, qos: 1, retain: false, contentType: 'application/json' },
  ];
}

async function health(app: FastifyInstance) {
  const res = await app.inject({ method: 'GET', url: '/api/health' });
  return { statusCode: res.statusCode, body: res.json() };
}

describe('MQTT notifications against a real broker', { timeout: 60_000 }, () => {
  it('publishes exactly the expected messages for create, update, rename and delete, on both topics', async () => {
    const broker = await startBroker();
    const everything = await subscribe(broker.url, ['iotsupport/#']);
    const deviceA = await subscribe(broker.url, [`iotsupport/devices/${A}/config`]);
    const { app } = await buildTestApp({ MQTT_URL: broker.url });

    // Right after start-up, while the app may still be connecting: the message must not be lost.
    const created = await save(app, 'AA:BB:CC:DD:EE:01', { content: sampleContent('one') });
    expect(created.statusCode).toBe(200);
    const updated = await save(app, A, { content: sampleContent('two') });
    expect(updated.statusCode).toBe(200);
    const renamed = await app.inject({ method: 'POST', url: `/api/configs/${A}/rename`, payload: { new_mac_address: B } });
    expect(renamed.statusCode).toBe(200);
    const deleted = await app.inject({ method: 'DELETE', url: `/api/configs/${B}` });
    expect(deleted.statusCode).toBe(204);
    // Published after everything else: once it arrives, nothing else can still be on its way.
    const sentinel = await save(app, SENTINEL);

    const all = [
      ...expected('iotsupport', A, created.headers.etag as string, 'save'),
      ...expected('iotsupport', A, updated.headers.etag as string, 'save'),
      ...expected('iotsupport', A, null, 'delete'),
      ...expected('iotsupport', B, renamed.headers.etag as string, 'save'),
      ...expected('iotsupport', B, null, 'delete'),
      ...expected('iotsupport', SENTINEL, sentinel.headers.etag as string, 'save'),
    ];
    expect(await everything.waitForMessages(all.length)).toEqual(all);
    expect(updated.headers.etag).toBe(renamed.headers.etag);

    // The per-device subscriber sees only its own device's changes.
    const onlyA = all.filter((message) => message.topic === `iotsupport/devices/${A}/config`);
    expect(await deviceA.waitForMessages(onlyA.length)).toEqual(onlyA);
    expect((await health(app)).body).toEqual({ status: 'healthy', mqtt: { enabled: true, connected: true } });
  });

  it('publishes nothing for a save, delete or rename that fails', async () => {
    const broker = await startBroker();
    const subscriber = await subscribe(broker.url, ['iotsupport/#']);
    const { app } = await buildTestApp({ MQTT_URL: broker.url });
    const created = await save(app, A);
    expect(created.statusCode).toBe(200);
    await subscriber.waitForMessages(2);

    expect((await save(app, A, { content: 'not an object' })).statusCode).toBe(400);
    expect((await save(app, 'not-a-mac')).statusCode).toBe(400);
    expect((await save(app, A, { content: sampleContent(), allow_overwrite: false })).statusCode).toBe(409);
    expect((await save(app, A, { content: sampleContent('x') }, { 'if-match': '"stale"' })).statusCode).toBe(412);
    expect((await save(app, B, { content: sampleContent() }, { 'if-match': created.headers.etag as string })).statusCode).toBe(412);
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${B}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${A}`, headers: { 'if-match': '"stale"' } })).statusCode).toBe(412);
    expect((await app.inject({ method: 'POST', url: `/api/configs/${B}/rename`, payload: { new_mac_address: SENTINEL } })).statusCode).toBe(404);
    await save(app, B);
    await subscriber.waitForMessages(4);
    expect((await app.inject({ method: 'POST', url: `/api/configs/${A}/rename`, payload: { new_mac_address: B } })).statusCode).toBe(409);
    const sentinel = await save(app, SENTINEL);

    const messages = await subscriber.waitForMessages(6);
    expect(messages.slice(4)).toEqual(expected('iotsupport', SENTINEL, sentinel.headers.etag as string, 'save'));
    expect(messages).toHaveLength(6);
  });

  it('uses MQTT_TOPIC_PREFIX and does not retain messages', async () => {
    const broker = await startBroker();
    const subscriber = await subscribe(broker.url, ['#']);
    const { app } = await buildTestApp({ MQTT_URL: broker.url, MQTT_TOPIC_PREFIX: 'home/esp32' });
    const first = await save(app, A);
    expect(await subscriber.waitForMessages(2)).toEqual(expected('home/esp32', A, first.headers.etag as string, 'save'));

    // A retained message would be delivered to a new subscriber at once, before the next change.
    const late = await subscribe(broker.url, ['#']);
    const second = await save(app, B);
    expect(await late.waitForMessages(2)).toEqual(expected('home/esp32', B, second.headers.etag as string, 'save'));
  });

  it('counts publishes and shows the connection in metrics', async () => {
    const broker = await startBroker();
    const subscriber = await subscribe(broker.url, ['iotsupport/#']);
    const { app } = await buildTestApp({ MQTT_URL: broker.url });
    await save(app, A);
    await save(app, B);
    await subscriber.waitForMessages(4);
    // Device sync states are counted too, under their own topic; these tests are about config notifications.
    const metric = async (name: string) => (await app.metrics.registry.getSingleMetricAsString(name)).split('\n').filter((line) => !line.startsWith('#') && !line.includes('/status"'));
    // The PUBACKs reach the app a moment after the subscriber has the messages.
    await waitUntil(async () => (await metric('iot_mqtt_queue_depth')).includes('iot_mqtt_queue_depth 0'), 'an empty queue');

    expect(await metric('iot_mqtt_publish_total')).toEqual([
      'iot_mqtt_publish_total{topic="iotsupport/updates/configs",status="success"} 2',
      'iot_mqtt_publish_total{topic="iotsupport/updates/configs",status="error"} 0',
      'iot_mqtt_publish_total{topic="iotsupport/devices/+/config",status="success"} 2',
      'iot_mqtt_publish_total{topic="iotsupport/devices/+/config",status="error"} 0',
      'iot_mqtt_publish_total{topic="iotsupport/updates/assets",status="success"} 0',
      'iot_mqtt_publish_total{topic="iotsupport/updates/assets",status="error"} 0',
    ]);
    expect(await metric('iot_mqtt_enabled')).toEqual(['iot_mqtt_enabled 1']);
    expect(await metric('iot_mqtt_connection_state')).toEqual(['iot_mqtt_connection_state 1']);
    expect(await metric('iot_mqtt_dropped_total')).toEqual(['iot_mqtt_dropped_total 0']);

    const scrape = await app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.body).toContain('iot_mqtt_connection_state 1');
  });
});
