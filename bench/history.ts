import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { etagOf } from '../src/domain/config-document.js';
import { versionFileName, type HistoryOperation } from '../src/domain/history-version.js';
import type { Fleet } from './fleet.js';

/** Versions per config in the audit scenario's history. */
export const VERSIONS_PER_CONFIG = 100;
const ACTORS = ['alice', 'bob', 'carol', 'token-1a2b3c4d', 'anonymous@10.0.0.7'];
/** An actor no version has: a filter on it reads the whole timeline and finds nothing, the audit's worst case. */
export const ABSENT_ACTOR = 'nobody';

/**
 * Gives every config of `dir` (a copy of `fleet`) a history of
 * {@link VERSIONS_PER_CONFIG} versions over the last year, as the service
 * lays it out. Each version is a hard link to the config file: the names
 * are what the audit reads, and links cost no disk space.
 */
export async function writeHistory(fleet: Fleet, dir: string): Promise<{ versions: number; ms: number }> {
  const started = performance.now();
  const root = path.join(dir, '.iot-config', 'history');
  const now = Date.now();
  const span = 365 * 86_400_000;
  let versions = 0;
  for (const [d, device] of fleet.devices.entries()) {
    const macDir = path.join(root, device.mac);
    await fs.mkdir(macDir, { recursive: true });
    const etag = etagOf(device.bytes);
    const source = path.join(dir, `${device.mac}.json`);
    await Promise.all(
      Array.from({ length: VERSIONS_PER_CONFIG }, (_, i) => {
        const operation: HistoryOperation = i === 0 ? 'create' : 'update';
        const at = now - span + Math.floor(((i * fleet.devices.length + d) / (VERSIONS_PER_CONFIG * fleet.devices.length)) * span);
        const name = versionFileName({ version: i + 1, at, operation, actor: ACTORS[(d + i) % ACTORS.length]!, etag, size: device.bytes.length, restoredFrom: null, validationSkipped: false });
        return fs.link(source, path.join(macDir, name));
      }),
    );
    versions += VERSIONS_PER_CONFIG;
  }
  return { versions, ms: performance.now() - started };
}
