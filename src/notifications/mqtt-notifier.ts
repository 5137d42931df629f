import { randomBytes } from 'node:crypto';
import os from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import type { ChangeEvent } from '../storage/config-store.js';
import { configTopics, messagesForChange, type ConfigTopics, type OutgoingMessage } from './config-messages.js';
import { caOptions, isBrokerRejection, redactedUrl, type MqttNotifierOptions, type NotifierLogger } from './mqtt-options.js';

/**
 * Publishes a message for every stored config change, so devices re-fetch
 * their config without a reboot.
 *
 * The queue is this class's own, not mqtt.js's: mqtt.js would keep every
 * offline publish unbounded and, across reconnects, resend its stored
 * packets in an order of its choosing. Here each connection attempt is a
 * fresh mqtt.js client that never reconnects by itself; messages wait in a
 * bounded queue (oldest dropped first) and are handed to the client only
 * while it is connected, a few at a time. A message stays "in flight" until
 * its PUBACK; if the connection drops first it goes back to the front of
 * the queue, so order is kept and nothing acknowledged is sent twice by us
 * (QoS 1 allows the broker a duplicate when a PUBACK itself is lost).
 *
 * Nothing here ever waits for the broker on behalf of a caller: `notify`
 * returns at once, `start` connects in the background, and `close` gives
 * the queue at most `flushTimeoutMs` before disconnecting.
 */
type State = 'new' | 'running' | 'closing' | 'closed';

export class MqttNotifier {
  readonly topics: ConfigTopics;
  private readonly options: Required<Omit<MqttNotifierOptions, 'username' | 'password' | 'onPublished' | 'onDropped'>> &
    Pick<MqttNotifierOptions, 'username' | 'password' | 'onPublished' | 'onDropped'>;
  private readonly logger: NotifierLogger;
  private readonly clientId = `iot-config-manager-${os.hostname()}-${randomBytes(4).toString('hex')}`;
  private state: State = 'new';
  private client: MqttClient | null = null;
  private isConnected = false;
  private readonly queue: OutgoingMessage[] = [];
  /** Retained states to send once the queue is empty, newest per topic (see publishState). */
  private readonly retainedStates = new Map<string, OutgoingMessage>();
  private inFlight: OutgoingMessage[] = [];
  /** Failed connection attempts since the last successful one. */
  private failures = 0;
  private lastError: Error | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private warnedOfDrops = false;
  /** Whether a warning about the connection (lost, or cannot connect) was logged since it was last up. */
  private warnedOfConnection = false;
  private everConnected = false;
  /** Woken whenever the queue empties or the connection is lost (for `close`). */
  private readonly waiters = new Set<() => void>();
  private closing: Promise<void> | null = null;

  constructor(options: MqttNotifierOptions) {
    this.logger = options.logger;
    this.topics = configTopics(options.topicPrefix);
    this.options = {
      queueLimit: 1000,
      flushTimeoutMs: 2000,
      reconnectMinMs: 500,
      reconnectMaxMs: 30_000,
      connectTimeoutMs: 10_000,
      maxInFlight: 10,
      ...options,
    };
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Messages not yet acknowledged by the broker: queued plus in flight. */
  get queueDepth(): number {
    return this.queue.length + this.inFlight.length;
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.logger.info({ url: redactedUrl(this.options.url), topicPrefix: this.options.topicPrefix }, 'Connecting to the MQTT broker for config notifications');
    this.connect();
  }

  /** Queues the messages for one stored change; they are sent once connected. Never throws, never waits. */
  notify(event: ChangeEvent): void {
    this.publish(messagesForChange(this.topics, event));
  }

  /**
   * Sets the retained state of each message's topic. States are kept apart from the queue of changes, newest per
   * topic, and sent after it: during an outage a topic's state may change many times, and only the last one is worth
   * sending. Never throws, never waits.
   */
  publishState(messages: OutgoingMessage[]): void {
    if (this.state === 'closed') return;
    for (const message of messages) {
      this.retainedStates.delete(message.topic);
      this.retainedStates.set(message.topic, { ...message, retain: true });
    }
    this.pump();
  }

  /** Queues messages behind the config changes already queued, in order (an asset upload's). Never throws, never waits. */
  publish(messages: OutgoingMessage[]): void {
    if (this.state === 'closed') {
      this.drop(messages.length, 'the notifier is closed');
      return;
    }
    this.queue.push(...messages);
    const excess = this.queue.length - this.options.queueLimit;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.drop(excess, `the queue is full (${this.options.queueLimit} messages) while the broker is unreachable`);
    }
    this.pump();
  }

  /** Delivers what is queued for up to `flushTimeoutMs`, then disconnects. Resolves once disconnected. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.client !== null && this.queueDepth > 0) {
      await this.waitFor(() => this.queueDepth === 0 || this.client === null, this.options.flushTimeoutMs);
    }
    const client = this.client;
    const flushed = this.queueDepth === 0;
    const cleanly = this.isConnected && flushed;
    if (!flushed) {
      this.drop(this.queueDepth, 'they were still unsent at shutdown');
      this.queue.length = 0;
      this.inFlight = [];
    }
    this.client = null;
    this.isConnected = false;
    this.state = 'closed';
    if (client !== null) await this.endClient(client, cleanly);
  }

  private connect(): void {
    let client: MqttClient;
    try {
      client = mqtt.connect(this.options.url, {
        protocolVersion: 5,
        clientId: this.clientId,
        clean: true,
        // Reconnection (with backoff) is ours: see the class comment.
        reconnectPeriod: 0,
        connectTimeout: this.options.connectTimeoutMs,
        keepalive: 30,
        queueQoSZero: false,
        resubscribe: false,
        ...(this.options.username !== undefined && this.options.password !== undefined
          ? { username: this.options.username, password: this.options.password }
          : {}),
        ...caOptions(this.options.url),
      });
    } catch (error) {
      this.lastError = error as Error;
      this.scheduleReconnect();
      return;
    }
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('close', () => this.onConnectionLost(client));
    // Always listened to: an unhandled 'error' event would crash the process.
    client.on('error', (error) => {
      if (client === this.client) this.lastError = error;
    });
  }

  private onConnect(client: MqttClient): void {
    if (client !== this.client) return;
    this.isConnected = true;
    this.failures = 0;
    this.lastError = null;
    this.warnedOfDrops = false;
    const connected = { url: redactedUrl(this.options.url), queued: this.queueDepth };
    const message = this.everConnected ? 'Connected to the MQTT broker again' : 'Connected to the MQTT broker';
    // After a warning about the connection, at warn too: a log kept at warn shows the trouble, so it must show its end.
    if (this.warnedOfConnection) this.logger.warn(connected, message);
    else this.logger.info(connected, message);
    this.warnedOfConnection = false;
    this.everConnected = true;
    this.pump();
  }

  private onConnectionLost(client: MqttClient): void {
    if (client !== this.client) return;
    const wasConnected = this.isConnected;
    this.client = null;
    this.isConnected = false;
    // Unacknowledged messages go back to the front, in their order, to be resent on the next connection; a state
    // goes back unless a newer one for its topic came meanwhile.
    if (this.inFlight.length > 0) {
      this.queue.unshift(...this.inFlight.filter((message) => !message.retain));
      for (const message of this.inFlight) if (message.retain && !this.retainedStates.has(message.topic)) this.retainedStates.set(message.topic, message);
      this.inFlight = [];
    }
    client.end(true);
    const reason = this.lastError?.message ?? 'connection closed';
    if (wasConnected) {
      this.logger.warn({ reason, queued: this.queueDepth }, 'Lost the MQTT broker connection; config notifications are queued until it is back');
      this.warnedOfConnection = true;
    } else if (this.failures === 0 || this.failures % 10 === 0) {
      this.logger.warn({ url: redactedUrl(this.options.url), reason, attempts: this.failures + 1 }, 'Cannot connect to the MQTT broker; retrying with backoff');
      this.warnedOfConnection = true;
    }
    this.wake();
    if (this.state === 'running') this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { reconnectMinMs, reconnectMaxMs } = this.options;
    const ceiling = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(this.failures, 20));
    // Jitter, so replicas restarted together do not reconnect in lockstep.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.failures++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state === 'running') this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Hands queued messages to the client while connected, keeping at most the in-flight window unacknowledged. */
  private pump(): void {
    const client = this.client;
    if (client !== null && this.isConnected) {
      const window = Math.min(this.options.maxInFlight, client.serverProperties?.receiveMaximum ?? Infinity);
      while (this.inFlight.length < window && (this.queue.length > 0 || this.retainedStates.size > 0)) {
        const message = this.queue.shift() ?? this.nextState();
        this.inFlight.push(message);
        client.publish(
          message.topic,
          message.payload,
          { qos: 1, retain: message.retain ?? false, properties: { contentType: 'application/json', payloadFormatIndicator: true } },
          (error) => this.onPublishResult(client, message, error),
        );
      }
    }
    if (this.queueDepth === 0) this.wake();
  }

  private onPublishResult(client: MqttClient, message: OutgoingMessage, error: Error | undefined): void {
    // A lost connection already put the message back in the queue.
    if (client !== this.client) return;
    // The connection is going down: the message stays in flight and is requeued when it closes.
    if (error && !isBrokerRejection(error)) return;
    const index = this.inFlight.indexOf(message);
    if (index === -1) return;
    this.inFlight.splice(index, 1);
    if (error) {
      this.logger.error({ topic: message.topic, reason: error.message }, 'The MQTT broker rejected a config notification');
    }
    this.options.onPublished?.(message.topicLabel, error ? 'error' : 'success');
    this.pump();
  }

  private nextState(): OutgoingMessage {
    const [topic, message] = this.retainedStates.entries().next().value!;
    this.retainedStates.delete(topic);
    return message;
  }

  private drop(count: number, why: string): void {
    this.options.onDropped?.(count);
    if (!this.warnedOfDrops || this.state !== 'running') {
      this.logger.warn({ dropped: count }, `Dropped config notifications: ${why}`);
      this.warnedOfDrops = true;
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves when `condition` holds (checked on every wake) or after `timeoutMs`. */
  private waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (condition()) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Disconnects: a DISCONNECT packet when all is delivered, otherwise the socket is simply closed. */
  private endClient(client: MqttClient, cleanly: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        client.stream?.destroy();
        resolve();
      }, 1000);
      client.end(!cleanly, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
