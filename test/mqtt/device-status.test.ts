import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTestApp, MAC, sampleContent } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait-until.js';
import { startBroker } from './broker.js';

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A raw subscriber: it keeps empty payloads (a retained message cleared) as they are. */
async function listen(url: string, filters: string[]): Promise<Seen[]> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 250, clientId: `test-status-${Math.random().toString(16).slice(2, 10)}` });
  onTestFinished(() => client.endAsync(true));
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  await client.subscribeAsync(filters, { qos: 1 });
  return seen;
}

const states = (seen: Seen[], topic: string) => seen.filter((m) => m.topic === topic).map((m) => (m.payload === '' ? '' : JSON.parse(m.payload).state));

describe('device sync status over MQTT, against a real broker', { timeout: 60_000 }, () => {
  it('publishes each state change retained, with Home Assistant discovery, and clears them on delete', async () => {
    const broker = await startBroker();
    const live = await listen(broker.url, ['iotsupport/devices/+/status', 'homeassistant/#']);
    const { app } = await buildTestApp({ MQTT_URL: broker.url, MQTT_HA_DISCOVERY: 'true' });
    const topic = `iotsupport/devices/${MAC}/status`;

    const saved = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    await waitUntil(() => states(live, topic).includes('never_fetched'), 'never_fetched on the status topic');
    await app.inject({ url: `/api/configs/${MAC}.json` });
    await waitUntil(() => states(live, topic).includes('in_sync'), 'in_sync on the status topic');
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('changed') } });
    await waitUntil(() => states(live, topic).includes('pending'), 'pending on the status topic');
    // One message per change, no repeats.
    expect(states(live, topic)).toEqual(['never_fetched', 'in_sync', 'pending']);

    // A subscriber that comes later gets the current state and the discovery config, retained.
    const later = await listen(broker.url, [topic, 'homeassistant/#']);
    await waitUntil(() => later.length >= 2, 'the retained messages');
    const status = later.find((m) => m.topic === topic)!;
    expect(status.retain).toBe(true);
    expect(JSON.parse(status.payload)).toEqual({
      mac_address: MAC,
      state: 'pending',
      etag: expect.not.stringMatching(saved.headers.etag as string),
      device_etag: saved.headers.etag,
      last_fetch_at: expect.stringMatching(/Z$/),
    });
    const discovery = later.find((m) => m.topic === 'homeassistant/sensor/iot_config_aabbccddeeff/sync_state/config')!;
    expect(discovery.retain).toBe(true);
    expect(JSON.parse(discovery.payload)).toMatchObject({
      state_topic: topic,
      value_template: '{{ value_json.state }}',
      unique_id: 'iot_config_aabbccddeeff_sync_state',
      device: { identifiers: ['iot_config_aabbccddeeff'], connections: [['mac', 'aa:bb:cc:dd:ee:ff']], name: 'Kitchen sensor' },
    });

    await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}` });
    await waitUntil(() => states(live, topic).at(-1) === '', 'the status cleared');
    expect(live.filter((m) => m.topic.startsWith('homeassistant/')).map((m) => m.payload === '')).toEqual([false, true]);
  });

  it('publishes no discovery config unless MQTT_HA_DISCOVERY=true', async () => {
    const broker = await startBroker();
    const live = await listen(broker.url, ['#']);
    const { app } = await buildTestApp({ MQTT_URL: broker.url });
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    await waitUntil(() => states(live, `iotsupport/devices/${MAC}/status`).length === 1, 'the status');
    expect(live.filter((m) => m.topic.startsWith('homeassistant/'))).toEqual([]);
  });
});
