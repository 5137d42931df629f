import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageBusy } from '../domain/errors.js';
import { isOwnerDead, PROCESS_IDENTITY, tempFileName, type Owner } from './atomic-file.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode, exists } from './fs-errors.js';
import { createStateFile, statePaths } from './state-directory.js';

export interface LockOptions {
  /** A lock file older than this is taken to be left by a crashed process and broken. */
  staleMs: number;
  /** How long to wait for a lock before giving up with 503 STORAGE_BUSY. */
  timeoutMs: number;
}

const LOCK_SUFFIX = '.lock';

export function lockFileName(key: string): string {
  return `.${key}${LOCK_SUFFIX}`;
}

const LOCK_FILE = /^\.(.+)\.lock(?:\.broken\.[0-9a-f]{12}\.\d+)?$/;

/** The key of a lock file's name, or of a lock renamed aside to be broken; null for any other name. */
export function lockFileKey(name: string): string | null {
  return LOCK_FILE.exec(name)?.[1] ?? null;
}

function readOwner(text: string): Owner | null {
  try {
    const value = JSON.parse(text) as Partial<Owner>;
    return typeof value.host === 'string' && typeof value.pid === 'number' && typeof value.instance === 'string'
      ? { host: value.host, pid: value.pid, instance: value.instance }
      : null;
  } catch {
    return null;
  }
}

/** The stat of the lock file at `lockPath` if it was left by a crashed process, else null. */
async function abandonedLock(lockPath: string, staleMs: number): Promise<BigIntStats | null> {
  const stat = await fs.lstat(lockPath, { bigint: true });
  if (Date.now() - Number(stat.mtimeMs) > staleMs) return stat;
  const owner = readOwner(await fs.readFile(lockPath, 'utf8').catch(() => ''));
  return owner !== null && isOwnerDead(owner) ? stat : null;
}

/**
 * Breaks the lock found abandoned as `judged`. It is renamed aside first, so
 * that of two processes breaking the same lock only one succeeds; if the
 * file renamed aside turns out to be a fresh lock taken since it was judged
 * (another inode, or a token whose time its taker set anew), it is put back.
 */
async function breakLock(lockPath: string, judged: BigIntStats, staleMs: number): Promise<void> {
  // Changed since it was judged (released, taken again): leave it to the next look.
  if (!sameVersion(await fs.lstat(lockPath, { bigint: true }), judged)) return;
  const aside = `${lockPath}.broken.${PROCESS_IDENTITY.instance}.${Date.now()}`;
  await fs.rename(lockPath, aside);
  try {
    const moved = await fs.lstat(aside, { bigint: true });
    // Another inode, or the same token linked again (its time set anew): not the lock found abandoned.
    if (!sameVersion(moved, judged) && Date.now() - Number(moved.mtimeMs) <= staleMs) {
      await fs.link(aside, lockPath).catch(() => undefined);
    }
  } finally {
    await fs.rm(aside, { force: true });
  }
}

/**
 * Removes `filePath` if it is an abandoned lock (or a lock renamed aside by
 * a breaker that crashed). Returns whether it did.
 */
export async function breakLockIfAbandoned(filePath: string, staleMs: number): Promise<boolean> {
  if (filePath.includes(`${LOCK_SUFFIX}.broken.`)) {
    const stat = await fs.lstat(filePath);
    if (Date.now() - stat.mtimeMs <= staleMs) return false;
    await fs.rm(filePath, { force: true });
    return true;
  }
  const judged = await abandonedLock(filePath, staleMs);
  if (judged === null) return false;
  await breakLock(filePath, judged, staleMs);
  return true;
}

/** Target name in the temp-file names of lock tokens (see {@link LockFiles}). */
export const TOKEN_TARGET = 'owner.lock';
/** Idle tokens kept for reuse; more are removed when released. */
const IDLE_TOKENS = 8;
const EPOCH = new Date(0);

/**
 * The lock files of one config directory, kept in its state directory's
 * `locks/`: a lock is a file that only one process can create, which holds
 * across every process sharing the directory (replicas on one volume).
 *
 * A lock is taken by hard-linking a token to the lock name (link(2) fails if
 * the name exists, like O_EXCL), and released by unlinking that name. A
 * token is a small file of this process holding its identity, written in
 * full before it is first linked: so a lock file always names its owner, and
 * a process killed at any point leaves no empty lock that nobody could prove
 * abandoned. Tokens are reused, so taking a lock allocates no inode, which
 * can cost the kernel far more than the link (see
 * docs/adr/0003-replica-lock-files.md); each held lock still has an inode of
 * its own, whose mtime, set just before the link, is the lock's age. Idle
 * tokens look like temp files of a live writer
 * (`.owner.lock.<host>.<pid>.<instance>.<n>.tmp`) and are cleaned up as such.
 */
export class LockFiles {
  private readonly idle: string[] = [];
  private readonly locksDir: string;

  constructor(
    private readonly configDir: string,
    private readonly options: LockOptions,
    private readonly io: FsCalls,
  ) {
    this.locksDir = statePaths(configDir).locks;
  }

  /** Takes the lock `key`, waiting up to `timeoutMs`; resolves to a function that releases it. */
  async acquire(key: string): Promise<() => Promise<void>> {
    const lockPath = path.join(this.locksDir, lockFileName(key));
    const deadline = Date.now() + this.options.timeoutMs;
    let token = this.idle.pop() ?? (await this.newToken());
    let taken = false;
    try {
      let wait = 2;
      for (;;) {
        try {
          const now = new Date();
          await this.io.lutimes(token, now, now);
          await this.io.link(token, lockPath);
          taken = true;
        } catch (error) {
          const code = errorCode(error);
          if (code === 'ENOENT' && !(await exists(token))) {
            // The token was removed (by hand, or as an idle temp file): make another.
            token = await this.newToken();
            continue;
          }
          if (code !== 'EEXIST') throw error;
          // A link that took effect but reported EEXIST (a retried request on a network filesystem) is ours.
          taken = await this.io.sameFile(token, lockPath);
        }
        if (taken) {
          const held = token;
          return async () => {
            // Unless it is gone or another's: broken by another process (after staleMs, or renamed aside by
            // a breaker, and taken by a third one meanwhile), our lock is no longer ours to remove.
            if (await this.io.sameFile(held, lockPath)) await this.io.unlink(lockPath, { missingOk: true });
            await this.release(held);
          };
        }
        try {
          const judged = await abandonedLock(lockPath, this.options.staleMs);
          if (judged !== null) {
            await breakLock(lockPath, judged, this.options.staleMs);
            continue;
          }
        } catch (error) {
          // The holder released it while we looked: try again at once.
          if (errorCode(error) === 'ENOENT') continue;
          throw error;
        }
        if (Date.now() >= deadline) throw new StorageBusy(`lock for ${key} is held by another writer`);
        await sleep(wait + Math.random() * wait);
        wait = Math.min(wait * 2, 50);
      }
    } finally {
      if (!taken) await this.release(token);
    }
  }

  /** Removes the idle tokens; call once no lock is held any more. */
  async close(): Promise<void> {
    const tokens = this.idle.splice(0);
    await Promise.all(tokens.map((token) => this.io.unlink(token, { missingOk: true })));
  }

  /**
   * Puts a token back for reuse, unless something else still links to it: a
   * breaker in another process may hold our lock renamed aside, judge it a
   * lock taken since, and put it back after we released it. Such a token is
   * dated to the epoch and dropped: put back, it reads as abandoned at once,
   * instead of blocking the config until it goes stale.
   */
  private async release(token: string): Promise<void> {
    const links = await this.io.linkCount(token).catch(() => 0);
    if (links === 1 && this.idle.length < IDLE_TOKENS) {
      this.idle.push(token);
      return;
    }
    if (links > 1) await this.io.lutimes(token, EPOCH, EPOCH).catch(() => undefined);
    await this.io.unlink(token, { missingOk: true }).catch(() => undefined);
  }

  private async newToken(): Promise<string> {
    const { path: tokenPath, fd } = await createStateFile(this.configDir, 'locks', tempFileName(TOKEN_TARGET), this.io);
    try {
      try {
        await this.io.writeAll(fd, Buffer.from(JSON.stringify(PROCESS_IDENTITY)));
      } finally {
        await this.io.close(fd);
      }
    } catch (error) {
      // Also on a full disk: nothing half-made is left behind.
      await this.io.unlink(tokenPath, { missingOk: true }).catch(() => undefined);
      throw error;
    }
    return tokenPath;
  }
}

/** The same inode with the same modification time (compared as bigints: inode numbers may exceed 2^53). */
function sameVersion(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.mtimeNs === b.mtimeNs;
}

/** Serialises async work per key within this process, so local writers queue instead of polling the lock file. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
