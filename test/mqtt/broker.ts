import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { onTestFinished } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { waitUntil } from '../helpers/wait-until.js';

const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = process.env.MOSQUITTO_PASSWD_BIN ?? 'mosquitto_passwd';

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface BrokerOptions {
  /** Require these users (name -> password); anonymous clients are then refused. */
  users?: Record<string, string>;
  /** Keep sessions and queued messages across a restart (in the broker's temp directory). */
  persistence?: boolean;
  /** Contents of a Mosquitto ACL file (`user x` / `topic write a/#` lines), with `users`. */
  acl?: string;
}

/** A real Mosquitto on a free loopback port, with its config, log and data in a temp directory. */
export interface Broker {
  port: number;
  url: string;
  /** Stops the broker (SIGTERM, so a persistent one saves its state); the port stays reserved for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Freezes (SIGSTOP) the broker: connections stay open but nothing is answered. */
  pause(): void;
  /** Kills it at once (SIGKILL, even while paused): it saves nothing and answers nothing more. */
  kill(): Promise<void>;
  /** The broker's log so far. */
  log(): Promise<string>;
}

/** Starts Mosquitto and stops it (and removes its files) when the test ends. */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'iot-mosquitto-'));
  const logFile = path.join(dir, 'mosquitto.log');
  const configFile = path.join(dir, 'mosquitto.conf');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;

  const lines = (port: number): string[] => [
    `listener ${port} 127.0.0.1`,
    // As root, Mosquitto would switch to the `mosquitto` user, which cannot read this private temp directory.
    `user ${os.userInfo().username}`,
    `log_dest file ${logFile}`,
    'log_type all',
    'connection_messages true',
    options.users ? `allow_anonymous false\npassword_file ${path.join(dir, 'passwords')}` : 'allow_anonymous true',
    options.acl ? `acl_file ${path.join(dir, 'acl')}` : '',
    options.persistence ? `persistence true\npersistence_location ${dir}/\nautosave_interval 1` : 'persistence false',
  ];

  if (options.acl) await fs.writeFile(path.join(dir, 'acl'), options.acl);
  if (options.users) {
    const passwordFile = path.join(dir, 'passwords');
    let create = true;
    for (const [user, password] of Object.entries(options.users)) {
      await promisify(execFile)(MOSQUITTO_PASSWD, [...(create ? ['-c'] : []), '-b', passwordFile, user, password]);
      create = false;
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    if (running === null) return;
    child = null;
    if (running.exitCode === null && running.signalCode === null) {
      running.kill('SIGTERM');
      const killer = setTimeout(() => running.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  }

  /** Launches Mosquitto on `port`; resolves once it accepts connections, or rejects with its log if it exits first. */
  async function launch(onPort: number): Promise<void> {
    await fs.writeFile(configFile, `${lines(onPort).join('\n')}\n`);
    const started = spawn(MOSQUITTO, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    started.stderr!.on('data', (chunk) => (stderr += chunk));
    let hasExited = false;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    void exited.then(() => (hasExited = true));
    child = started;
    try {
      await waitUntil(async () => hasExited || (await acceptsConnections(onPort)), `Mosquitto to listen on port ${onPort}`, 15_000);
    } catch (error) {
      await stop();
      throw error;
    }
    if (hasExited) {
      child = null;
      const log = await fs.readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`Mosquitto exited at start-up on port ${onPort}: ${stderr}${log.split('\n').slice(-5).join('\n')}`);
    }
  }

  onTestFinished(async () => {
    await stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  // Another process may take the free port before Mosquitto binds it: then try another one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch(port);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop,
    async start() {
      if (child !== null) return;
      // The port was just released; retry briefly should anything still hold it.
      for (let attempt = 1; ; attempt++) {
        try {
          await launch(port);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    async kill() {
      const running = child;
      if (running === null) return;
      child = null;
      running.kill('SIGKILL');
      await exited;
    },
    log: () => fs.readFile(logFile, 'utf8').catch(() => ''),
  };
}

export interface ReceivedMessage {
  topic: string;
  /** The payload parsed as JSON. */
  payload: unknown;
  qos: number;
  retain: boolean;
  contentType: string | undefined;
}

export interface Subscriber {
  client: MqttClient;
  messages: ReceivedMessage[];
  /** Waits until at least `count` messages arrived; returns all received so far. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
}

/**
 * A test client subscribed (QoS 1) to `filters` once this resolves;
 * disconnected when the test ends. It reconnects by itself, which a
 * persistent session (`clean: false`) needs to survive a broker restart.
 */
export async function subscribe(url: string, filters: string[], options: IClientOptions = {}): Promise<Subscriber> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    reconnectPeriod: 250,
    connectTimeout: 10_000,
    clientId: `test-subscriber-${Math.random().toString(16).slice(2, 10)}`,
    ...options,
  });
  onTestFinished(() => client.endAsync(true));
  client.on('error', () => undefined);
  const messages: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    // Device sync states (retained, some empty) are another feature's, tested in device-status.test.ts.
    if (topic.endsWith('/status') || topic.startsWith('homeassistant/')) return;
    messages.push({
      topic,
      payload: JSON.parse(payload.toString('utf8')),
      qos: packet.qos,
      retain: packet.retain,
      contentType: packet.properties?.contentType,
    });
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    messages,
    async waitForMessages(count, timeoutMs = 20_000) {
      await waitUntil(() => messages.length >= count, () => `${count} MQTT messages (got ${messages.length}: ${JSON.stringify(messages)})`, timeoutMs);
      return messages;
    },
  };
}
