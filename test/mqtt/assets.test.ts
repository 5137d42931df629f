import { describe, expect, it } from 'vitest';
import { sampleContent } from '../helpers/app.js';
import { buildAssetApp, makeSigningKeys, signedUpload, upload } from '../helpers/assets.js';
import { startBroker, subscribe } from './broker.js';

describe('MQTT message of an asset upload against a real broker', { timeout: 60_000 }, () => {
  it('publishes {"filename"} on <prefix>/updates/assets, QoS 1, not retained, in order with config changes', async () => {
    const keys = makeSigningKeys();
    const broker = await startBroker();
    const everything = await subscribe(broker.url, ['home/#']);
    const { app } = await buildAssetApp(keys, { MQTT_URL: broker.url, MQTT_TOPIC_PREFIX: 'home' });

    const mac = 'aa-bb-cc-dd-ee-01';
    expect((await app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: sampleContent() } })).statusCode).toBe(200);
    expect((await upload(app, signedUpload(keys.privateKey, { filename: 'ota-1.2.bin' }))).statusCode).toBe(200);
    // Refused uploads publish nothing.
    expect((await upload(app, signedUpload(keys.privateKey, { filename: 'bad.bin', timestamp: '2001-01-01T00:00:00Z' }))).statusCode).toBe(400);
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${mac}` })).statusCode).toBe(204);

    const messages = await everything.waitForMessages(5);
    expect(messages.map((message) => message.topic)).toEqual([
      'home/updates/configs',
      `home/devices/${mac}/config`,
      'home/updates/assets',
      'home/updates/configs',
      `home/devices/${mac}/config`,
    ]);
    expect(messages[2]).toEqual({ topic: 'home/updates/assets', payload: { filename: 'ota-1.2.bin' }, qos: 1, retain: false, contentType: 'application/json' });
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('iot_mqtt_publish_total{topic="home/updates/assets",status="success"} 1');
  });
});
