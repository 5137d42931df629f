import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseDuration } from './domain/duration.js';
import { parseEditPath } from './domain/json-edit.js';
import { readAssets, readImageProxy, type AssetSettings, type ImageProxySettings } from './settings-assets.js';
import { readBoolean, readInteger, readSettingFile, SettingsError, type Env } from './setting-values.js';

export { IMAGE_PROXY_MAX_REDIRECTS, type AssetSettings, type ImageProxySettings } from './settings-assets.js';
export { SettingsError } from './setting-values.js';

/**
 * Settings are read from the environment once, at start-up, into this typed
 * object, which is then passed in. Nothing below `server.ts` reads
 * `process.env`.
 */
export interface Settings {
  /** Absolute path of the config directory. */
  configsDir: string;
  /**
   * True when ESP32_CONFIGS_DIR was set: the directory is then never created
   * (a missing volume must not be papered over with a local folder).
   */
  configsDirFromEnv: boolean;
  port: number;
  host: string;
  corsOrigins: string[];
  logLevel: LogLevel;
  maxBodyBytes: number;
  /**
   * Largest config file read or written: 16 × MAX_BODY_BYTES (pretty-printing can grow a body many
   * times over), at most 256 MiB, well within what one V8 string can hold.
   */
  maxConfigFileBytes: number;
  /** Largest import upload, and largest total it may unpack to (MAX_IMPORT_BYTES). */
  maxImportBytes: number;
  /** Bearer tokens that open every route (ADMIN_TOKEN plus ADMIN_TOKENS_FILE), with the names changes are recorded under; empty: no authentication. */
  adminTokens: AdminToken[];
  /** Bearer tokens for the device routes (DEVICE_TOKEN); empty: device routes stay open. */
  deviceTokens: string[];
  /** Requests per minute per client address before 429 (RATE_LIMIT_PER_MINUTE); 0: no limit. Loopback is exempt. */
  rateLimitPerMinute: number;
  /** MQTT change notifications; null when MQTT_URL is unset (MQTT off). */
  mqtt: MqttSettings | null;
  /** Versions kept per config (HISTORY_LIMIT); 0: history off. */
  historyLimit: number;
  /** Versions older than this many days are dropped beyond the newest ten (HISTORY_MAX_AGE_DAYS). */
  historyMaxAgeDays: number;
  /** Addresses and CIDR ranges of reverse proxies whose `Remote-User` / `X-Forwarded-User` is believed (TRUSTED_PROXIES). */
  trustedProxies: string[];
  /** Device fetch tracking (docs/device-sync.md). */
  deviceSync: DeviceSyncSettings;
  /** The content key whose string value names the JSON Schema a config is checked against (SCHEMA_SELECTOR_KEY). */
  schemaSelectorKey: string;
  /** Paths whose values no two devices should share (UNIQUE_KEYS), as the fleet checks read them. */
  uniqueKeys: { path: string; steps: string[] }[];
  /** Keys whose values are secrets (SECRET_KEYS, case-insensitive): masked in search results and checks. */
  secretKeys: RegExp;
  /** Firmware and OTA files (docs/assets.md). */
  assets: AssetSettings;
  /** The LVGL image proxy (docs/image-proxy.md). */
  imageProxy: ImageProxySettings;
}

export interface AdminToken {
  /** Who a change made with the token is recorded as: the name given in ADMIN_TOKENS_FILE, else `token-<first 8 hex of its SHA-256>`. */
  name: string;
  token: string;
}

export interface DeviceSyncSettings {
  /** FETCH_TRACKING: record device fetches (default true); off, every config shows `never_fetched`. */
  enabled: boolean;
  /** DEVICE_SILENT_AFTER: a device that has not fetched for longer is `silent`. */
  silentAfterMs: number;
  /** METRICS_PER_DEVICE: a last-fetch gauge per MAC, costly in Prometheus for a large fleet. */
  metricsPerDevice: boolean;
  /** MQTT_HA_DISCOVERY: Home Assistant discovery configs for each device's sync state sensor. */
  haDiscovery: boolean;
}

export interface MqttSettings {
  /** The broker, e.g. `mqtt://broker.local:1883`; scheme mqtt, mqtts, ws or wss. */
  url: string;
  /** Set only when both MQTT_USERNAME and MQTT_PASSWORD are. */
  username?: string;
  password?: string;
  /** Topics are `<prefix>/updates/configs` and `<prefix>/devices/<mac>/config`. */
  topicPrefix: string;
}

export const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONFIGS_DIR = './data/configs';

function readDeviceSync(env: Env): DeviceSyncSettings {
  const raw = env.DEVICE_SILENT_AFTER?.trim() || '24h';
  const silentAfterMs = parseDuration(raw);
  if (silentAfterMs === null) throw new SettingsError('DEVICE_SILENT_AFTER', `expected a duration such as 90s, 15m, 24h or 7d, got ${JSON.stringify(raw)}`);
  return {
    enabled: readBoolean(env, 'FETCH_TRACKING', true),
    silentAfterMs,
    metricsPerDevice: readBoolean(env, 'METRICS_PER_DEVICE', false),
    haDiscovery: readBoolean(env, 'MQTT_HA_DISCOVERY', false),
  };
}

function readOrigins(env: Env): string[] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    if (origin === '*') return origin;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new SettingsError('CORS_ORIGINS', `${JSON.stringify(origin)} is not an origin such as https://admin.example.org`);
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.origin !== origin.replace(/\/$/, '')) {
      throw new SettingsError('CORS_ORIGINS', `${JSON.stringify(origin)} is not an origin such as https://admin.example.org`);
    }
    return url.origin;
  });
}

function readMqtt(env: Env): MqttSettings | null {
  const rawPrefix = env.MQTT_TOPIC_PREFIX?.trim() || 'iotsupport';
  const topicPrefix = rawPrefix.replace(/\/+$/, '');
  if (topicPrefix === '' || /[+#]/.test(topicPrefix) || topicPrefix.includes('\0')) {
    throw new SettingsError('MQTT_TOPIC_PREFIX', `expected a topic level such as iotsupport, without + or #, got ${JSON.stringify(rawPrefix)}`);
  }
  const raw = env.MQTT_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The value is not echoed: it may carry a password.
    throw new SettingsError('MQTT_URL', 'not a valid URL; expected mqtt://host[:port], mqtts://host[:port], ws://host[:port]/path or wss://...');
  }
  if (!(MQTT_SCHEMES as readonly string[]).includes(url.protocol)) {
    throw new SettingsError('MQTT_URL', `unsupported scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))}; expected mqtt, mqtts, ws or wss`);
  }
  if (url.hostname === '') {
    throw new SettingsError('MQTT_URL', 'the URL names no host; expected e.g. mqtt://broker.local:1883');
  }
  const username = env.MQTT_USERNAME;
  const password = env.MQTT_PASSWORD;
  return { url: raw, topicPrefix, ...(username && password ? { username, password } : {}) };
}

/** A bearer token fit for a header: visible ASCII, long enough not to be guessed. */
function checkToken(variable: string, token: string): string {
  if (!/^[\x21-\x7e]{16,4096}$/.test(token)) {
    throw new SettingsError(variable, 'a token must be 16 to 4096 visible ASCII characters without spaces (e.g. `openssl rand -hex 32`)');
  }
  return token;
}

/**
 * An authentication setting's value, or undefined when the variable is not set. Set but empty (a compose file's
 * `ADMIN_TOKEN=${ADMIN_TOKEN}` with the variable missing) is refused: taken as unset, it would silently leave the
 * routes open to anyone.
 */
function readAuthSetting(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  if (value === '') throw new SettingsError(variable, 'is set but empty, which would leave the routes open: give it a value, or unset it to run without authentication');
  return value;
}

const tokenName = (token: string) => `token-${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;

/** A line of ADMIN_TOKENS_FILE: `<token>`, or `<name> <token>`. */
function readTokenLine(line: string): AdminToken {
  const parts = line.split(/\s+/);
  if (parts.length > 2) throw new SettingsError('ADMIN_TOKENS_FILE', 'a line must be `<token>` or `<name> <token>`');
  const token = checkToken('ADMIN_TOKENS_FILE', parts[parts.length - 1]!);
  if (parts.length === 1) return { name: tokenName(token), token };
  if (!/^[\x21-\x7e]{1,64}$/.test(parts[0]!)) throw new SettingsError('ADMIN_TOKENS_FILE', 'a token\'s name must be 1 to 64 visible ASCII characters');
  return { name: parts[0]!, token };
}

function readAdminTokens(env: Env, cwd: string): AdminToken[] {
  const tokens: AdminToken[] = [];
  const single = readAuthSetting(env, 'ADMIN_TOKEN');
  if (single) {
    const token = checkToken('ADMIN_TOKEN', single);
    tokens.push({ name: tokenName(token), token });
  }
  const file = readAuthSetting(env, 'ADMIN_TOKENS_FILE');
  if (file) {
    const text = readSettingFile('ADMIN_TOKENS_FILE', file, cwd);
    // One token per line, optionally after a name; blank lines and # comments are ignored, so old and new tokens can overlap during a rotation.
    const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    // An empty file would silently leave the service open: refuse it.
    if (lines.length === 0) throw new SettingsError('ADMIN_TOKENS_FILE', `${file} holds no token`);
    for (const line of lines) tokens.push(readTokenLine(line));
  }
  // A token listed twice keeps its first name.
  return tokens.filter((each, i) => tokens.findIndex((other) => other.token === each.token) === i);
}

/** TRUSTED_PROXIES: comma-separated IP addresses and CIDR ranges. */
function readTrustedProxies(env: Env): string[] {
  const raw = env.TRUSTED_PROXIES?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const value = entry.trim();
    const [address, prefix, extra] = value.split('/');
    const family = isIP(address ?? '');
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new SettingsError('TRUSTED_PROXIES', `expected comma-separated IP addresses or CIDR ranges such as 10.0.0.0/8, got ${JSON.stringify(value)}`);
    }
    return value;
  });
}

function readSchemaSelectorKey(env: Env): string {
  const key = env.SCHEMA_SELECTOR_KEY?.trim() || 'deviceType';
  if (key.length > 128) throw new SettingsError('SCHEMA_SELECTOR_KEY', 'a content key of at most 128 characters, such as deviceType');
  return key;
}

const DEFAULT_UNIQUE_KEYS = 'deviceEntityId,wifi.hostname,wifi.staticIp';

/** UNIQUE_KEYS: comma-separated dot paths; empty: no fleet checks. */
function readUniqueKeys(env: Env): Settings['uniqueKeys'] {
  const raw = env.UNIQUE_KEYS ?? DEFAULT_UNIQUE_KEYS;
  const paths = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return [...new Set(paths)].map((path) => {
    const parsed = parseEditPath(path);
    if ('error' in parsed) throw new SettingsError('UNIQUE_KEYS', `${JSON.stringify(path)}: ${parsed.error}; expected comma-separated paths such as deviceEntityId,wifi.hostname`);
    return { path, steps: parsed.steps };
  });
}

/** SECRET_KEYS: a regular expression, matched case-insensitively against each key. */
function readSecretKeys(env: Env): RegExp {
  const raw = env.SECRET_KEYS?.trim() || 'password|secret|token|psk';
  try {
    return new RegExp(raw, 'i');
  } catch (error) {
    throw new SettingsError('SECRET_KEYS', `not a regular expression (${(error as Error).message})`);
  }
}

function readDeviceTokens(env: Env): string[] {
  const token = readAuthSetting(env, 'DEVICE_TOKEN');
  return token ? [checkToken('DEVICE_TOKEN', token)] : [];
}

/** Parses and validates the environment. Throws {@link SettingsError} on the first bad value. */
export function loadSettings(env: Env, cwd = process.cwd()): Settings {
  const dirFromEnv = env.ESP32_CONFIGS_DIR?.trim();
  if (dirFromEnv !== undefined && env.ESP32_CONFIGS_DIR !== undefined && dirFromEnv === '') {
    throw new SettingsError('ESP32_CONFIGS_DIR', 'must not be empty (unset it to use ./data/configs)');
  }
  const logLevel = (env.LOG_LEVEL?.trim() || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new SettingsError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`);
  }
  const host = env.HOST?.trim() || '0.0.0.0';
  if (/\s/.test(host)) throw new SettingsError('HOST', `expected a host name or IP address, got ${JSON.stringify(host)}`);

  const maxBodyBytes = readInteger(env, 'MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576);

  const configsDir = path.resolve(cwd, dirFromEnv || DEFAULT_CONFIGS_DIR);
  return {
    configsDir,
    configsDirFromEnv: Boolean(dirFromEnv),
    port: readInteger(env, 'PORT', 3201, 0, 65535),
    host,
    corsOrigins: readOrigins(env),
    logLevel: logLevel as LogLevel,
    maxBodyBytes,
    maxConfigFileBytes: Math.min(16 * maxBodyBytes, 256 * 1_048_576),
    maxImportBytes: readInteger(env, 'MAX_IMPORT_BYTES', 256 * 1_048_576, 1024, 1024 * 1_048_576),
    adminTokens: readAdminTokens(env, cwd),
    deviceTokens: readDeviceTokens(env),
    rateLimitPerMinute: readInteger(env, 'RATE_LIMIT_PER_MINUTE', 6000, 0, 10_000_000),
    mqtt: readMqtt(env),
    historyLimit: readInteger(env, 'HISTORY_LIMIT', 100, 0, 100_000),
    historyMaxAgeDays: readInteger(env, 'HISTORY_MAX_AGE_DAYS', 365, 1, 36_500),
    trustedProxies: readTrustedProxies(env),
    deviceSync: readDeviceSync(env),
    schemaSelectorKey: readSchemaSelectorKey(env),
    uniqueKeys: readUniqueKeys(env),
    secretKeys: readSecretKeys(env),
    assets: readAssets(env, cwd, configsDir),
    imageProxy: readImageProxy(env),
  };
}
