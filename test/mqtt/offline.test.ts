import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { MqttNotifier } from '../../src/notifications/mqtt-notifier.js';
import { buildTestApp, sampleContent } from '../helpers/app.js';
import { startBroker, subscribe, type ReceivedMessage } from './broker.js';
import { waitUntil } from '../helpers/wait-until.js';

const macs = ['aa-bb-cc-dd-ee-01', 'aa-bb-cc-dd-ee-02', 'aa-bb-cc-dd-ee-03', 'aa-bb-cc-dd-ee-04'] as const;

async function health(app: FastifyInstance) {
  const res = await app.inject({ method: 'GET', url: '/api/health' });
  return { statusCode: res.statusCode, body: res.json() as { status: string; mqtt: { enabled: boolean; connected: boolean } } };
}

async function gauge(app: FastifyInstance, name: string): Promise<number> {
  const text = await app.metrics.registry.getSingleMetricAsString(name);
  return Number(/ (\S+)$/m.exec(text.split('\n').find((line) => line.startsWith(name))!)![1]);
}

const summary = (messages: ReceivedMessage[]) =>
  messages.map(({ payload }) => {
    const { mac_address, operation } = payload as { mac_address: string; operation: string };
    return `${operation} ${mac_address}`;
  });

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A logger that keeps each line's level and message. */
function recordingLogger() {
  const logged: { level: string; message: string }[] = [];
  const recorder = (level: string) => (_fields: object, message: string) => void logged.push({ level, message });
  return { logged, logger: { debug: recorder('debug'), info: recorder('info'), warn: recorder('warn'), error: recorder('error') } };
}

describe('MQTT notifications while the broker is unreachable', { timeout: 60_000 }, () => {
  it('keeps answering 200 while the broker is down, and delivers the queued messages in order once it is back', async () => {
    // Persistence, and a subscriber with a persistent session, so the subscriber
    // gets what the app publishes after the restart even if the app reconnects first.
    const broker = await startBroker({ persistence: true });
    const subscriber = await subscribe(broker.url, ['iotsupport/updates/configs'], {
      clientId: 'offline-test-subscriber',
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    const { app } = await buildTestApp({ MQTT_URL: broker.url });
    const put = (mac: string, name: string) => app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: sampleContent(name) } });

    expect((await put(macs[0], 'before')).statusCode).toBe(200);
    await subscriber.waitForMessages(1);

    await broker.stop();
    await waitUntil(async () => !(await health(app)).body.mqtt.connected, 'the app to see the broker gone');
    expect(await health(app)).toEqual({ statusCode: 200, body: { status: 'healthy', mqtt: { enabled: true, connected: false } } });

    const started = Date.now();
    const statuses = [
      (await put(macs[1], 'one')).statusCode,
      (await put(macs[2], 'two')).statusCode,
      (await put(macs[1], 'one again')).statusCode,
      (await app.inject({ method: 'DELETE', url: `/api/configs/${macs[0]}` })).statusCode,
      (await app.inject({ method: 'POST', url: `/api/configs/${macs[2]}/rename`, payload: { new_mac_address: macs[3] } })).statusCode,
    ];
    expect(statuses).toEqual([200, 200, 200, 204, 200]);
    // Nothing waited for the broker (generous bound for a loaded machine; a blocked request would take the connect timeout).
    expect(Date.now() - started).toBeLessThan(8000);
    // 6 changes (the rename counts twice), each on two topics.
    expect(await gauge(app, 'iot_mqtt_queue_depth')).toBe(12);
    expect(await gauge(app, 'iot_mqtt_connection_state')).toBe(0);

    await broker.start();
    const messages = await subscriber.waitForMessages(7, 60_000);
    expect(summary(messages)).toEqual([
      `save ${macs[0]}`,
      `save ${macs[1]}`,
      `save ${macs[2]}`,
      `save ${macs[1]}`,
      `delete ${macs[0]}`,
      `delete ${macs[2]}`,
      `save ${macs[3]}`,
    ]);
    await waitUntil(async () => (await gauge(app, 'iot_mqtt_queue_depth')) === 0, 'the queue to drain');
    expect((await health(app)).body.mqtt).toEqual({ enabled: true, connected: true });
    expect(await gauge(app, 'iot_mqtt_dropped_total')).toBe(0);
  }, 120_000);

  it('resends, in order, messages whose acknowledgement was lost with the connection', async () => {
    const broker = await startBroker({ persistence: true });
    const subscriber = await subscribe(broker.url, ['inflight/updates/configs'], {
      clientId: 'inflight-test-subscriber',
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    // A clean restart saves the subscriber's session to disk, so it outlives the SIGKILL below.
    await broker.stop();
    await broker.start();
    await waitUntil(() => subscriber.client.connected, 'the subscriber to reconnect');

    const notifier = new MqttNotifier({ url: broker.url, topicPrefix: 'inflight', logger: silentLogger, maxInFlight: 3, reconnectMinMs: 50, reconnectMaxMs: 500 });
    notifier.start();
    await waitUntil(() => notifier.connected, 'the notifier to connect');

    // A frozen broker takes the messages into its socket but never acknowledges them:
    // 3 are in flight, the rest wait behind them in the queue.
    broker.pause();
    for (const [index, mac] of macs.entries()) notifier.notify({ operation: 'save', mac, etag: `"${index}"`, created: true });
    await broker.kill();
    await waitUntil(() => !notifier.connected, 'the notifier to see the connection gone');
    expect(notifier.queueDepth).toBe(8);

    await broker.start();
    const messages = await subscriber.waitForMessages(4, 60_000);
    await waitUntil(() => notifier.queueDepth === 0, 'the queue to drain');
    expect(summary(messages)).toEqual(macs.map((mac) => `save ${mac}`));
    await notifier.close();
  }, 120_000);

  it('logs the first connection at info, and a connection back after a loss at warn, as the loss was', async () => {
    const broker = await startBroker();
    const { logged, logger } = recordingLogger();
    const notifier = new MqttNotifier({ url: broker.url, topicPrefix: 'relog', logger, reconnectMinMs: 50, reconnectMaxMs: 200 });
    notifier.start();
    await waitUntil(() => notifier.connected, 'the notifier to connect');
    await broker.stop();
    await waitUntil(() => !notifier.connected, 'the notifier to see the broker gone');
    await broker.start();
    await waitUntil(() => notifier.connected, 'the notifier to connect again');
    await notifier.close();
    const connections = logged.filter((entry) => entry.message.startsWith('Connected') || entry.message.startsWith('Lost'));
    expect(connections).toEqual([
      { level: 'info', message: 'Connected to the MQTT broker' },
      { level: 'warn', message: 'Lost the MQTT broker connection; config notifications are queued until it is back' },
      { level: 'warn', message: 'Connected to the MQTT broker again' },
    ]);
  }, 60_000);

  it('logs the first connection at warn, not "again", when it comes after failed attempts', async () => {
    const broker = await startBroker();
    await broker.stop();
    const { logged, logger } = recordingLogger();
    const notifier = new MqttNotifier({ url: broker.url, topicPrefix: 'relog', logger, reconnectMinMs: 50, reconnectMaxMs: 200 });
    notifier.start();
    await waitUntil(() => logged.some((entry) => entry.message.startsWith('Cannot connect')), 'a failed attempt logged');
    await broker.start();
    await waitUntil(() => notifier.connected, 'the notifier to connect');
    await notifier.close();
    expect(logged.filter((entry) => entry.message.startsWith('Connected'))).toEqual([{ level: 'warn', message: 'Connected to the MQTT broker' }]);
  }, 60_000);

  it('never blocks start-up, requests or shutdown when the broker is not there at all', async () => {
    const broker = await startBroker();
    await broker.stop();
    const started = Date.now();
    const { app } = await buildTestApp({ MQTT_URL: broker.url });
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${macs[0]}`, payload: { content: sampleContent() } });
    expect(res.statusCode).toBe(200);
    expect(await health(app)).toEqual({ statusCode: 200, body: { status: 'healthy', mqtt: { enabled: true, connected: false } } });
    const closing = Date.now();
    await app.close();
    // Shutdown gives the queue at most 2 s; with no broker it has nothing to wait for.
    expect(Date.now() - closing).toBeLessThan(4000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('keeps at most the queue limit while disconnected, dropping and counting the oldest, and sends the rest in order', async () => {
    // The subscriber holds a persistent session on a persistent broker, so it
    // receives everything the notifier publishes after the broker returns.
    const broker = await startBroker({ persistence: true });
    const subscriber = await subscribe(broker.url, ['bounded/updates/configs'], {
      clientId: 'overflow-test-subscriber',
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    await broker.stop();
    let dropped = 0;
    const notifier = new MqttNotifier({
      url: broker.url,
      topicPrefix: 'bounded',
      logger: silentLogger,
      queueLimit: 4,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      onDropped: (count) => (dropped += count),
    });
    notifier.start();
    for (const [index, mac] of macs.entries()) notifier.notify({ operation: 'save', mac, etag: `"${index}"`, created: true });
    // 8 messages for 4 changes: only the newest 4 (the last two changes, on two topics each) are kept.
    expect(notifier.queueDepth).toBe(4);
    expect(dropped).toBe(4);

    await broker.start();
    const messages = await subscriber.waitForMessages(2, 60_000);
    await waitUntil(() => notifier.queueDepth === 0, 'the queue to drain');
    expect(messages.map((message) => message.payload)).toEqual([
      { filename: `${macs[2]}.json`, mac_address: macs[2], etag: '"2"', operation: 'save' },
      { filename: `${macs[3]}.json`, mac_address: macs[3], etag: '"3"', operation: 'save' },
    ]);
    expect(dropped).toBe(4);
    await notifier.close();
  }, 120_000);

  it('flushes the queue on shutdown when the broker is up, and gives up after the flush timeout when it is not', async () => {
    const broker = await startBroker();
    const subscriber = await subscribe(broker.url, ['flush/#']);
    const notifier = new MqttNotifier({ url: broker.url, topicPrefix: 'flush', logger: silentLogger });
    notifier.start();
    notifier.notify({ operation: 'save', mac: macs[0], etag: '"1"', created: true });
    await notifier.close();
    // close() resolved only after the broker acknowledged: the subscriber gets both messages.
    expect(summary(await subscriber.waitForMessages(2))).toEqual([`save ${macs[0]}`, `save ${macs[0]}`]);

    await broker.stop();
    let dropped = 0;
    const offline = new MqttNotifier({ url: broker.url, topicPrefix: 'flush', logger: silentLogger, onDropped: (count) => (dropped += count) });
    offline.start();
    offline.notify({ operation: 'delete', mac: macs[0], etag: null });
    const closing = Date.now();
    await offline.close();
    expect(Date.now() - closing).toBeLessThan(4000);
    expect(dropped).toBe(2);
    expect(offline.connected).toBe(false);

    // Once closed, it stays closed: a late change is counted as dropped, and start() connects nothing.
    offline.notify({ operation: 'save', mac: macs[1], etag: '"2"', created: false });
    expect(dropped).toBe(4);
    offline.start();
    await broker.start();
    expect(offline.connected).toBe(false);
    expect(offline.queueDepth).toBe(0);
    await offline.close();
  });
});
