import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { parseHostAllowList, type HostAllowList } from './domain/host-allow-list.js';
import { uploadVerificationKey } from './domain/upload-signature.js';
import { readBoolean, readInteger, readSettingFile, SettingsError, type Env } from './setting-values.js';

/** The settings of what the service serves beside configs: firmware files and the LVGL image proxy. */

export interface AssetSettings {
  /** Absolute path of the assets directory: ASSETS_DIR, else `assets` beside the config directory. */
  dir: string;
  /** True when ASSETS_DIR was set: the directory is then never created, as for the config directory. */
  dirFromEnv: boolean;
  /** The key that checks upload signatures (SIGNING_KEY_PATH); null: uploads are off. */
  verificationKey: KeyObject | null;
  /** How far an upload's timestamp may be from the server's clock (TIMESTAMP_TOLERANCE_SECONDS). */
  timestampToleranceSeconds: number;
  /** Largest asset file (MAX_ASSET_BYTES). */
  maxBytes: number;
  /** ASSET_REQUIRE_FILE_SIGNATURE: refuse signatures that cover only the timestamp. */
  requireFileSignature: boolean;
}

export interface ImageProxySettings {
  /** IMAGE_PROXY_ENABLED (default true); off, the route is not registered and answers 404. */
  enabled: boolean;
  /** IMAGE_PROXY_ALLOWED_HOSTS; null (unset): any host, as the old backend allowed. */
  allowedHosts: HostAllowList | null;
  /** MAX_IMAGE_BYTES: the most of an upstream body read before the fetch is given up. */
  maxImageBytes: number;
  /** How long one fetch, redirects and body included, may take. Not an environment variable: tests shorten it. */
  fetchTimeoutMs: number;
}

/** Redirects the image proxy follows before giving up. */
export const IMAGE_PROXY_MAX_REDIRECTS = 3;

export function readAssets(env: Env, cwd: string, configsDir: string): AssetSettings {
  const rawDir = env.ASSETS_DIR?.trim();
  if (env.ASSETS_DIR !== undefined && rawDir === '') throw new SettingsError('ASSETS_DIR', 'must not be empty (unset it to use the assets directory beside the config directory)');
  const dir = rawDir ? path.resolve(cwd, rawDir) : path.join(path.dirname(configsDir), 'assets');
  const relative = path.relative(configsDir, dir);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    throw new SettingsError('ASSETS_DIR', `${dir} is the config directory or inside it; give the assets a directory of their own`);
  }
  let verificationKey: KeyObject | null = null;
  const keyPath = env.SIGNING_KEY_PATH?.trim();
  if (keyPath) {
    const pem = readSettingFile('SIGNING_KEY_PATH', keyPath, cwd);
    try {
      verificationKey = uploadVerificationKey(pem);
    } catch (error) {
      throw new SettingsError('SIGNING_KEY_PATH', `${keyPath} is not a usable PEM RSA key (an unencrypted private key or a public key): ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return {
    dir,
    dirFromEnv: Boolean(rawDir),
    verificationKey,
    timestampToleranceSeconds: readInteger(env, 'TIMESTAMP_TOLERANCE_SECONDS', 300, 1, 86_400),
    maxBytes: readInteger(env, 'MAX_ASSET_BYTES', 64 * 1_048_576, 1, 4096 * 1_048_576),
    requireFileSignature: readBoolean(env, 'ASSET_REQUIRE_FILE_SIGNATURE', false),
  };
}

export function readImageProxy(env: Env): ImageProxySettings {
  const raw = env.IMAGE_PROXY_ALLOWED_HOSTS?.trim();
  let allowedHosts: HostAllowList | null = null;
  if (raw) {
    try {
      allowedHosts = parseHostAllowList(raw);
    } catch (error) {
      throw new SettingsError('IMAGE_PROXY_ALLOWED_HOSTS', `${(error as Error).message}; expected comma-separated host names, IP addresses or CIDR ranges such as images.example.org,10.0.0.0/8`);
    }
  }
  return {
    enabled: readBoolean(env, 'IMAGE_PROXY_ENABLED', true),
    allowedHosts,
    maxImageBytes: readInteger(env, 'MAX_IMAGE_BYTES', 16 * 1_048_576, 1024, 256 * 1_048_576),
    fetchTimeoutMs: 10_000,
  };
}
