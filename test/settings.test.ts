import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../src/settings.js';

describe('loadSettings', () => {
  it('has the documented defaults', () => {
    const settings = loadSettings({}, '/srv/app');
    expect(settings).toMatchObject({
      configsDir: path.resolve('/srv/app', 'data/configs'),
      configsDirFromEnv: false,
      port: 3201,
      host: '0.0.0.0',
      corsOrigins: [],
      logLevel: 'info',
      maxBodyBytes: 1_048_576,
      maxConfigFileBytes: 16 * 1_048_576,
    });
  });

  it('lets a config file be 16 × MAX_BODY_BYTES, at most 256 MiB', () => {
    expect(loadSettings({ MAX_BODY_BYTES: '2048' }).maxConfigFileBytes).toBe(32_768);
    expect(loadSettings({ MAX_BODY_BYTES: String(100 * 1_048_576) }).maxConfigFileBytes).toBe(256 * 1_048_576);
  });

  it('reads every variable', () => {
    const settings = loadSettings({
      ESP32_CONFIGS_DIR: '/mnt/configs',
      PORT: '8080',
      HOST: '127.0.0.1',
      CORS_ORIGINS: 'https://a.example, http://b.example:8080',
      LOG_LEVEL: 'WARN',
      MAX_BODY_BYTES: '2048',
    });
    expect(settings).toMatchObject({
      configsDir: '/mnt/configs',
      configsDirFromEnv: true,
      port: 8080,
      host: '127.0.0.1',
      corsOrigins: ['https://a.example', 'http://b.example:8080'],
      logLevel: 'warn',
      maxBodyBytes: 2048,
    });
  });

  it('reads the image proxy settings', () => {
    expect(loadSettings({}).imageProxy).toEqual({ enabled: true, allowedHosts: null, maxImageBytes: 16 * 1_048_576, fetchTimeoutMs: 10_000 });
    const proxy = loadSettings({ IMAGE_PROXY_ENABLED: 'false', IMAGE_PROXY_ALLOWED_HOSTS: 'images.example.org, 10.0.0.0/8', MAX_IMAGE_BYTES: '4096' }).imageProxy;
    expect(proxy).toMatchObject({ enabled: false, maxImageBytes: 4096 });
    expect(proxy.allowedHosts?.entries).toEqual(['images.example.org', '10.0.0.0/8']);
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid setting PORT: expected a whole number from 0 to 65535, got "abc"$/],
    [{ PORT: '70000' }, /PORT/],
    [{ MAX_BODY_BYTES: '-1' }, /MAX_BODY_BYTES/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid setting LOG_LEVEL: expected one of fatal, error/],
    [{ CORS_ORIGINS: 'not a url' }, /CORS_ORIGINS/],
    [{ CORS_ORIGINS: 'https://a.example/path' }, /CORS_ORIGINS/],
    [{ ESP32_CONFIGS_DIR: '  ' }, /ESP32_CONFIGS_DIR/],
    [{ IMAGE_PROXY_ALLOWED_HOSTS: 'images.example.org,10.0.0.0/40' }, /^Invalid setting IMAGE_PROXY_ALLOWED_HOSTS: "10.0.0.0\/40" has no valid prefix length \(0 to 32\); expected comma-separated/],
    [{ IMAGE_PROXY_ALLOWED_HOSTS: 'http://images.example.org' }, /^Invalid setting IMAGE_PROXY_ALLOWED_HOSTS: "http:\/\/images.example.org" is not a host name/],
    [{ IMAGE_PROXY_ENABLED: 'maybe' }, /^Invalid setting IMAGE_PROXY_ENABLED: expected true or false/],
    [{ MAX_IMAGE_BYTES: '16MiB' }, /^Invalid setting MAX_IMAGE_BYTES: expected a whole number from 1024 to 268435456, got "16MiB"$/],
  ])('rejects %j with one line naming the variable', (env, message) => {
    expect(() => loadSettings(env)).toThrow(SettingsError);
    expect(() => loadSettings(env)).toThrow(message);
  });
});
