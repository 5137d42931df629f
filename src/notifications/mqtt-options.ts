import tls from 'node:tls';
import type { IClientOptions } from 'mqtt';

/** The logging this module needs; pino's (and so Fastify's) logger fits. */
export interface NotifierLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export type PublishStatus = 'success' | 'error';

export interface MqttStatus {
  enabled: boolean;
  connected: boolean;
}

export interface MqttNotifierOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: string;
  username?: string;
  password?: string;
  topicPrefix: string;
  logger: NotifierLogger;
  /** Messages kept while the broker is unreachable; beyond this the oldest are dropped. */
  queueLimit?: number;
  /** How long `close()` keeps trying to deliver what is queued. */
  flushTimeoutMs?: number;
  /** First reconnect delay; it doubles after each failed attempt up to `reconnectMaxMs`. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** A connection attempt without a CONNACK by then is abandoned and retried. */
  connectTimeoutMs?: number;
  /** Publishes awaiting their PUBACK at once (also capped by the broker's Receive Maximum). */
  maxInFlight?: number;
  /** Called once per publish the broker acknowledged or rejected. */
  onPublished?: (topicLabel: string, status: PublishStatus) => void;
  /** Called with the number of messages given up on (queue full, or unsent at shutdown). */
  onDropped?: (count: number) => void;
}

/** A PUBACK (or CONNACK) error from the broker carries an MQTT reason code; a broken connection does not. */
export function isBrokerRejection(error: Error): boolean {
  return typeof (error as Error & { code?: unknown }).code === 'number';
}

/** The broker URL without credentials, fit for logs. */
export function redactedUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * For mqtts/wss: the system's CA certificates on top of Node's own, where
 * Node can read them (22.15+). On older Node, Node's bundled list and
 * NODE_EXTRA_CA_CERTS apply.
 */
export function caOptions(url: string): Pick<IClientOptions, 'ca'> {
  const getCACertificates = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (!/^(mqtts|wss):/i.test(url) || typeof getCACertificates !== 'function') return {};
  return { ca: [...getCACertificates('default'), ...getCACertificates('system')] };
}

