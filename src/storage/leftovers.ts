import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { CANONICAL_MAC_PATTERN } from '../domain/mac.js';
import { isOwnerDead, PROCESS_IDENTITY, tempFileOwner } from './atomic-file.js';
import { errorCode } from './fs-errors.js';
import { breakLockIfAbandoned, lockFileKey, TOKEN_TARGET } from './lock-file.js';

export interface LeftoverRules {
  /** A temp file of a writer that may still be alive is removed only once it is this old. */
  tempFileMaxAgeMs: number;
  /** A lock file older than this is taken to be abandoned (see LockFiles). */
  lockStaleMs: number;
}

/**
 * Removes the files left by writers that crashed: temp files of atomic
 * writes, lock files and idle lock tokens. Starting a replica never breaks
 * another's write: a file is removed at once only when its owner ran on this
 * host and is gone, otherwise only once it is old enough that no live
 * replica can still be using it.
 */
export class Leftovers {
  constructor(
    private readonly rules: LeftoverRules,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /**
   * Removes `dir/name` if it is a leftover. Only regular files named as the
   * service names its own are touched: other hidden files are a person's.
   */
  async removeIfLeftover(dir: string, name: string): Promise<void> {
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
