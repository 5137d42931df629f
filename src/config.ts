import path from 'node:path';

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
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONFIGS_DIR = './data/configs';

/** A bad setting. Its message is one line naming the variable, fit to print as is. */
export class SettingsError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid setting ${variable}: ${problem}`);
    this.name = 'SettingsError';
  }
}

type Env = Record<string, string | undefined>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new SettingsError(name, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
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

  return {
    configsDir: path.resolve(cwd, dirFromEnv || DEFAULT_CONFIGS_DIR),
    configsDirFromEnv: Boolean(dirFromEnv),
    port: readInteger(env, 'PORT', 3201, 0, 65535),
    host,
    corsOrigins: readOrigins(env),
    logLevel: logLevel as LogLevel,
    maxBodyBytes: readInteger(env, 'MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576),
  };
}
