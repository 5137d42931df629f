import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildTestApp, sampleContent } from '../helpers/app.js';
import { startBroker, subscribe, type Broker } from './broker.js';
import { waitUntil } from '../helpers/wait-until.js';

const MAC = 'aa-bb-cc-dd-ee-ff';
const USERS = { 'config-manager': 'app-secret', device: 'device-secret' };

async function mqttHealth(app: FastifyInstance): Promise<{ enabled: boolean; connected: boolean }> {
  return (await app.inject({ method: 'GET', url: '/api/health' })).json().mqtt;
}

/** Waits until the broker has refused a connection from the app `times` times (the app retries with backoff). */
async function refusals(broker: Broker, times: number): Promise<void> {
  const count = async () =>
    // 135: "Not authorized", the MQTT 5 reason code. Mosquitto logs no client id for a refused client, but the test's subscriber is never refused.
    (await broker.log()).split('\n').filter((line) => /Sending CONNACK to \S+ \(\d, 135\)/.test(line)).length;
  await waitUntil(async () => (await count()) >= times, `${times} refused connections from the app`, 30_000);
}

describe('MQTT username/password authentication', { timeout: 60_000 }, () => {
  it('connects and publishes with the right credentials', async () => {
    const broker = await startBroker({ users: USERS });
    const subscriber = await subscribe(broker.url, ['iotsupport/#'], { username: 'device', password: 'device-secret' });
    const { app } = await buildTestApp({ MQTT_URL: broker.url, MQTT_USERNAME: 'config-manager', MQTT_PASSWORD: 'app-secret' });

    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    expect(res.statusCode).toBe(200);
    const messages = await subscriber.waitForMessages(2);
    expect(messages.map((message) => message.payload)).toEqual([
      { filename: `${MAC}.json`, mac_address: MAC, etag: res.headers.etag, operation: 'save' },
      { filename: `${MAC}.json`, mac_address: MAC, etag: res.headers.etag, operation: 'save' },
    ]);
    expect(await mqttHealth(app)).toEqual({ enabled: true, connected: true });
    expect(await broker.log()).toMatch(/New client connected from 127\.0\.0\.1:\d+ as iot-config-manager-\S+ \(p5, c1, k30, u'config-manager'\)/);
  });

  it.each([
    ['a wrong password', { MQTT_USERNAME: 'config-manager', MQTT_PASSWORD: 'wrong' }],
    ['a username without a password (so no credentials are sent)', { MQTT_USERNAME: 'config-manager' }],
  ])('is refused with %s, keeps retrying, and still serves configs', async (_case, credentials) => {
    const broker = await startBroker({ users: USERS });
    const subscriber = await subscribe(broker.url, ['iotsupport/#'], { username: 'device', password: 'device-secret' });
    const { app } = await buildTestApp({ MQTT_URL: broker.url, ...credentials });

    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    expect(res.statusCode).toBe(200);
    // Retried after a refusal: reconnection never gives up.
    await refusals(broker, 2);
    expect(await mqttHealth(app)).toEqual({ enabled: true, connected: false });
    expect(await app.metrics.registry.getSingleMetricAsString('iot_mqtt_queue_depth')).toMatch(/^iot_mqtt_queue_depth 2$/m);
    expect(subscriber.messages).toEqual([]);
  }, 60_000);

  it('counts a publish the broker refuses as an error, and carries on with the rest', async () => {
    // The service may write the shared topic only: every per-device publish is refused (PUBACK reason 135).
    const acl = 'user config-manager\ntopic write iotsupport/updates/#\n\nuser device\ntopic read iotsupport/#\n';
    const broker = await startBroker({ users: USERS, acl });
    const subscriber = await subscribe(broker.url, ['iotsupport/#'], { username: 'device', password: 'device-secret' });
    const { app } = await buildTestApp({ MQTT_URL: broker.url, MQTT_USERNAME: 'config-manager', MQTT_PASSWORD: 'app-secret' });

    for (const mac of ['aa-bb-cc-dd-ee-01', 'aa-bb-cc-dd-ee-02']) {
      expect((await app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: sampleContent() } })).statusCode).toBe(200);
    }
    const messages = await subscriber.waitForMessages(2);
    expect(messages.map((message) => message.topic)).toEqual(['iotsupport/updates/configs', 'iotsupport/updates/configs']);
    // Device sync states are counted too, under their own topic; these tests are about config notifications.
    const publishes = async () => (await app.metrics.registry.getSingleMetricAsString('iot_mqtt_publish_total')).split('\n').filter((line) => !line.startsWith('#') && !line.includes('/status"'));
    await waitUntil(async () => (await publishes()).includes('iot_mqtt_publish_total{topic="iotsupport/devices/+/config",status="error"} 2'), 'two refused publishes');
    expect(await publishes()).toEqual([
      'iot_mqtt_publish_total{topic="iotsupport/updates/configs",status="success"} 2',
      'iot_mqtt_publish_total{topic="iotsupport/updates/configs",status="error"} 0',
      'iot_mqtt_publish_total{topic="iotsupport/devices/+/config",status="success"} 0',
      'iot_mqtt_publish_total{topic="iotsupport/devices/+/config",status="error"} 2',
      'iot_mqtt_publish_total{topic="iotsupport/updates/assets",status="success"} 0',
      'iot_mqtt_publish_total{topic="iotsupport/updates/assets",status="error"} 0',
    ]);
    // Refused messages are not retried: the queue is empty and the connection stays up.
    expect(await app.metrics.registry.getSingleMetricAsString('iot_mqtt_queue_depth')).toMatch(/^iot_mqtt_queue_depth 0$/m);
    expect(await mqttHealth(app)).toEqual({ enabled: true, connected: true });
  });
});
