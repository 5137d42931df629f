import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { loadSettings, SettingsError } from '../../src/settings.js';
import { buildTestApp, sampleContent, tempDir } from '../helpers/app.js';
import { startBroker, subscribe } from './broker.js';
import { waitUntil } from '../helpers/wait-until.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real server (src/server.ts through tsx) as its own process; killed when the test ends. */
function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, exited, stdout: () => stdout };
}

describe('MQTT settings', () => {
  it('are off by default and read every variable', () => {
    expect(loadSettings({}).mqtt).toBeNull();
    expect(loadSettings({ MQTT_URL: '  ' }).mqtt).toBeNull();
    expect(
      loadSettings({ MQTT_URL: 'mqtts://broker.example:8883', MQTT_USERNAME: 'svc', MQTT_PASSWORD: 'secret', MQTT_TOPIC_PREFIX: 'home/esp32/' }).mqtt,
    ).toEqual({ url: 'mqtts://broker.example:8883', username: 'svc', password: 'secret', topicPrefix: 'home/esp32' });
    expect(loadSettings({ MQTT_URL: 'ws://broker.local:9001/mqtt' }).mqtt).toEqual({ url: 'ws://broker.local:9001/mqtt', topicPrefix: 'iotsupport' });
  });

  it('use the credentials only when both are set', () => {
    expect(loadSettings({ MQTT_URL: 'mqtt://broker', MQTT_USERNAME: 'svc' }).mqtt).toEqual({ url: 'mqtt://broker', topicPrefix: 'iotsupport' });
    expect(loadSettings({ MQTT_URL: 'mqtt://broker', MQTT_PASSWORD: 'secret' }).mqtt).toEqual({ url: 'mqtt://broker', topicPrefix: 'iotsupport' });
  });

  it.each([
    [{ MQTT_URL: 'not a url' }, /^Invalid setting MQTT_URL: not a valid URL/],
    [{ MQTT_URL: 'broker.local:1883' }, /^Invalid setting MQTT_URL: unsupported scheme "broker.local"/],
    [{ MQTT_URL: 'http://broker.local' }, /^Invalid setting MQTT_URL: unsupported scheme "http"; expected mqtt, mqtts, ws or wss$/],
    [{ MQTT_URL: 'mqtt://' }, /^Invalid setting MQTT_URL: the URL names no host/],
    [{ MQTT_URL: 'mqtt://broker:99999' }, /^Invalid setting MQTT_URL: not a valid URL/],
    [{ MQTT_TOPIC_PREFIX: 'home/#' }, /^Invalid setting MQTT_TOPIC_PREFIX: /],
    [{ MQTT_TOPIC_PREFIX: '+/x' }, /^Invalid setting MQTT_TOPIC_PREFIX: /],
  ])('reject %j with one line naming the variable', (env, message) => {
    expect(() => loadSettings(env)).toThrow(SettingsError);
    expect(() => loadSettings(env)).toThrow(message);
  });

  it('never echo an unparsable URL, which may hold a password', () => {
    expect(() => loadSettings({ MQTT_URL: 'mqtt://svc:hunter2@bro ker' })).toThrow(/^(?!.*hunter2)Invalid setting MQTT_URL/);
  });
});

// Spawned servers and a real broker: slow on a loaded machine.
describe('MQTT at start-up', { timeout: 90_000 }, () => {
  it('with MQTT_URL unset, opens no connection at all and reports MQTT as off', async () => {
    const broker = await startBroker();
    const subscriber = await subscribe(broker.url, ['#']);
    const createConnection = vi.spyOn(net, 'createConnection');
    const connect = vi.spyOn(net, 'connect');
    onTestFinished(() => {
      vi.restoreAllMocks();
    });

    const { app } = await buildTestApp({ MQTT_TOPIC_PREFIX: 'iotsupport' });
    expect((await app.inject({ method: 'PUT', url: '/api/configs/aa-bb-cc-dd-ee-ff', payload: { content: sampleContent() } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/configs/aa-bb-cc-dd-ee-ff' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/health' })).json()).toEqual({ status: 'healthy', mqtt: { enabled: false, connected: false } });
    expect(await app.metrics.registry.getSingleMetricAsString('iot_mqtt_enabled')).toMatch(/^iot_mqtt_enabled 0$/m);
    await app.close();
    expect(createConnection).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();

    // The spies do see an MQTT connection when there is one (so their silence above means something).
    const { app: enabled } = await buildTestApp({ MQTT_URL: broker.url });
    await waitUntil(async () => (await enabled.inject({ method: 'GET', url: '/api/health' })).json().mqtt.connected, 'the app to connect');
    expect(createConnection).toHaveBeenCalledTimes(1);

    // Only the test's own subscriber and the enabled app ever connected to the broker.
    const connections = (await broker.log()).split('\n').filter((line) => line.includes('New client connected'));
    expect(connections).toHaveLength(2);
    expect(connections[0]).toContain(subscriber.client.options.clientId);
    expect(connections[1]).toContain('iot-config-manager-');
    expect(subscriber.messages).toEqual([]);
  });

  it('fails with a one-line error and exit code 1 on an unparsable MQTT_URL', async () => {
    const result = await runServer({ MQTT_URL: 'mqtt://not a host', ESP32_CONFIGS_DIR: await tempDir() }).exited;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Invalid setting MQTT_URL: not a valid URL[^\n]*\n$/);
  });

  it('fails with a one-line error and exit code 1 on an unsupported scheme', async () => {
    const result = await runServer({ MQTT_URL: 'http://broker.local:1883', ESP32_CONFIGS_DIR: await tempDir() }).exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Invalid setting MQTT_URL: unsupported scheme "http"; expected mqtt, mqtts, ws or wss\n');
  });

  it('starts, serves and stops promptly with exit code 0 when the broker is down', async () => {
    const broker = await startBroker();
    await broker.stop();
    const server = runServer({ MQTT_URL: broker.url, ESP32_CONFIGS_DIR: await tempDir() });
    await waitUntil(() => server.stdout().includes('Server listening'), 'the server to listen', 30_000);
    const port = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/.exec(server.stdout())![1];
    const res = await fetch(`http://127.0.0.1:${port}/api/configs/aa-bb-cc-dd-ee-ff`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: sampleContent() }),
    });
    expect(res.status).toBe(200);
    const stoppedAt = Date.now();
    server.child.kill('SIGTERM');
    const result = await server.exited;
    expect(result.code).toBe(0);
    // Well under the 10 s connect timeout: shutdown never waits on a broker that is not there.
    expect(Date.now() - stoppedAt).toBeLessThan(8000);
    expect(result.stdout).toContain('Cannot connect to the MQTT broker');
  });
});
