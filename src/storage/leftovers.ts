import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { CANONICAL_MAC_PATTERN } from '../domain/mac.js';
import { isOwnerDead, PROCESS_IDENTITY, tempFileOwner } from './atomic-file.js';
import { errorCode } from './fs-errors.js';
import { breakLockIfAbandoned, lockFileKey, TOKEN_TARGET } from './lock-file.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { STATE_DIR_NAME, statePaths } from './state-directory.js';

export interface LeftoverRules {
  /** A temp file of a writer that may still be alive is removed only once it is this old. */
  tempFileMaxAgeMs: number;
  /** A lock file older than this is taken to be abandoned (see LockFiles). */
  lockStaleMs: number;
}

/** Files looked at at once: leftovers are few, and looking at them must not take the file handles a scan needs. */
const CONCURRENCY = 8;

/**
 * Removes the files left by writers that crashed: temp files of atomic
 * writes, lock files and idle lock tokens, in the state directory and, as
 * earlier versions left them, among the hidden names of the config
 * directory. Starting a replica never breaks another's write: a file is
 * removed at once only when its owner ran on this host and is gone,
 * otherwise only once it is old enough that no live replica can still be
 * using it.
 */
export class Leftovers {
  constructor(
    private readonly rules: LeftoverRules,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /**
   * Removes the leftovers in the state directory of `configDir`, and those
   * among `hiddenNames`, the hidden names a scan found in `configDir`. Never
   * fails: what cannot be removed is logged and left for the next scan.
   */
  async removeAll(configDir: string, hiddenNames: readonly string[]): Promise<void> {
    const { tmp, locks } = statePaths(configDir);
    const inStateDirectory = await Promise.all([tmp, locks].map((dir) => this.namesIn(dir)));
    const files = [
      ...hiddenNames.filter((name) => name !== STATE_DIR_NAME).map((name) => ({ dir: configDir, name })),
      ...inStateDirectory.flat(),
    ];
    await mapWithConcurrency(files, CONCURRENCY, ({ dir, name }) => this.removeIfLeftover(dir, name));
  }

  /** The files in `dir`, none when it does not exist (nothing was written yet). */
  private async namesIn(dir: string): Promise<{ dir: string; name: string }[]> {
    try {
      return (await fs.readdir(dir)).map((name) => ({ dir, name }));
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.logger.warn({ err: error, dir }, 'Could not look for leftover files');
      return [];
    }
  }

  /**
   * Removes `dir/name` if it is a leftover. Only regular files named as the
   * service names its own are touched: other hidden files are a person's.
   */
  private async removeIfLeftover(dir: string, name: string): Promise<void> {
    const filePath = path.join(dir, name);
    const owner = tempFileOwner(name);
    const lockKey = lockFileKey(name);
    const token = name.startsWith(`.${TOKEN_TARGET}.`);
    // This process's own lock tokens, in use or kept for reuse; its own writes' temp files age like any other.
    if (owner?.instance === PROCESS_IDENTITY.instance && token) return;
    if (owner === null && (lockKey === null || !CANONICAL_MAC_PATTERN.test(lockKey))) return;
    try {
      const stat = await fs.lstat(filePath);
      if (!stat.isFile()) return;
      if (owner !== null) {
        if (isOwnerDead(owner) || Date.now() - stat.mtimeMs > this.rules.tempFileMaxAgeMs) {
          await fs.rm(filePath, { force: true });
          this.logger.info({ file: name }, token ? 'Removed an idle lock token of another process' : 'Removed a temp file left by an interrupted write');
        }
      } else if (await breakLockIfAbandoned(filePath, this.rules.lockStaleMs)) {
        this.logger.info({ file: name }, 'Removed a lock file left by a crashed writer');
      }
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') this.logger.warn({ err: error, file: name }, 'Could not remove a leftover file');
    }
  }
}
