import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageBusy } from '../errors.js';
import { isOwnerDead, PROCESS_IDENTITY, tempFileName, type Owner } from './atomic-file.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';

export interface LockOptions {
  /** A lock file older than this is taken to be left by a crashed process and broken. */
  staleMs: number;
  /** How long to wait for a lock before giving up with 503 STORAGE_BUSY. */
  timeoutMs: number;
}

export const LOCK_SUFFIX = '.lock';

export function lockFileName(key: string): string {
  return `.${key}${LOCK_SUFFIX}`;
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

/** Whether the lock file at `lockPath` was left by a crashed process. */
export async function isLockAbandoned(lockPath: string, staleMs: number): Promise<boolean> {
  const stat = await fs.lstat(lockPath);
  if (Date.now() - stat.mtimeMs > staleMs) return true;
  const owner = readOwner(await fs.readFile(lockPath, 'utf8').catch(() => ''));
  return owner !== null && isOwnerDead(owner);
}

/**
 * Breaks an abandoned lock. It is renamed aside first, so that of two
 * processes breaking the same lock only one succeeds; if the file renamed
 * aside turns out to be a fresh lock (taken between our check and the
 * rename), it is put back.
 */
async function breakLock(lockPath: string, staleMs: number): Promise<void> {
  const before = await fs.lstat(lockPath);
  const aside = `${lockPath}.broken.${PROCESS_IDENTITY.instance}.${Date.now()}`;
  await fs.rename(lockPath, aside);
  try {
    const moved = await fs.lstat(aside);
    if (moved.ino !== before.ino && Date.now() - moved.mtimeMs <= staleMs) {
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
  if (!(await isLockAbandoned(filePath, staleMs))) return false;
  await breakLock(filePath, staleMs);
  return true;
}

/**
 * Takes the lock `key` in `dir`: a file that only one process can create,
 * which holds across every process sharing the directory (replicas on one
 * volume). Resolves to a function that releases it.
 *
 * The owner is written to a temp file first, which is then hard-linked to the
 * lock name (link(2) fails if the name exists, like O_EXCL). So a lock file
 * always names its owner: a process killed between creating the lock and
 * writing into it can no longer leave an empty lock that nobody can prove
 * abandoned, and that would block the config for the full `staleMs`.
 */
export async function acquireLock(dir: string, key: string, options: LockOptions, io: FsCalls): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, lockFileName(key));
  const deadline = Date.now() + options.timeoutMs;
  const body = Buffer.from(JSON.stringify({ ...PROCESS_IDENTITY, acquiredAt: new Date().toISOString() }));
  const tempPath = path.join(dir, tempFileName(lockFileName(key)));
  try {
    const fd = await io.open(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await io.writeAll(fd, body);
    } finally {
      await io.close(fd);
    }
    return await takeLock(lockPath, tempPath, key, deadline, options, io);
  } finally {
    // Also when writing the owner failed (a full disk): nothing half-made is left behind.
    await io.unlink(tempPath).catch(() => undefined);
  }
}

async function takeLock(lockPath: string, ownerFile: string, key: string, deadline: number, options: LockOptions, io: FsCalls): Promise<() => Promise<void>> {
  let wait = 2;
  for (;;) {
    try {
      await io.link(ownerFile, lockPath);
      // Gone already: broken by another process after staleMs.
      return () => io.unlink(lockPath, { missingOk: true });
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    try {
      if (await isLockAbandoned(lockPath, options.staleMs)) {
        await breakLock(lockPath, options.staleMs);
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
