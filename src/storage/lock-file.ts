import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageBusy } from '../errors.js';
import { isOwnerDead, PROCESS_IDENTITY, type Owner } from './atomic-file.js';
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

/**
 * This process's owner file: `.<host>.<pid>.<instance>.owner`, holding the
 * same identity as JSON. Every lock file this process takes is a hard link to it.
 */
const OWNER_FILE = /^\.(.+)\.(\d+)\.([0-9a-f]{12})\.owner$/;

export function ownerFileName(): string {
  const { host, pid, instance } = PROCESS_IDENTITY;
  return `.${host}.${pid}.${instance}.owner`;
}

/** The process an owner file belongs to, from its name alone; null when `name` is no owner file. */
export function ownerFileOwner(name: string): Owner | null {
  const match = OWNER_FILE.exec(name);
  return match ? { host: match[1]!, pid: Number(match[2]), instance: match[3]! } : null;
}

/**
 * Whether the lock file at `lockPath` was left by a crashed process. Its age
 * is its inode's ctime, which link(2) and unlink(2) set: a lock is the owner's
 * owner file, so every lock its owner takes or releases refreshes all of them.
 */
export async function isLockAbandoned(lockPath: string, staleMs: number): Promise<boolean> {
  const stat = await fs.lstat(lockPath);
  if (Date.now() - stat.ctimeMs > staleMs) return true;
  const owner = readOwner(await fs.readFile(lockPath, 'utf8').catch(() => ''));
  return owner !== null && isOwnerDead(owner);
}

/**
 * Breaks an abandoned lock. It is renamed aside first, so that of two
 * processes breaking the same lock only one succeeds; if the file renamed
 * aside is another inode than the one found abandoned, it is a lock taken
 * between our check and the rename, and it is put back.
 */
async function breakLock(lockPath: string): Promise<void> {
  const before = await fs.lstat(lockPath);
  const aside = `${lockPath}.broken.${PROCESS_IDENTITY.instance}.${Date.now()}`;
  await fs.rename(lockPath, aside);
  try {
    const moved = await fs.lstat(aside);
    if (moved.ino !== before.ino) await fs.link(aside, lockPath).catch(() => undefined);
  } finally {
    await fs.rm(aside, { force: true });
  }
}

/**
 * Removes `filePath` if it is an abandoned lock (or a lock renamed aside by
 * a breaker that crashed; the rename set its ctime). Returns whether it did.
 */
export async function breakLockIfAbandoned(filePath: string, staleMs: number): Promise<boolean> {
  if (filePath.includes(`${LOCK_SUFFIX}.broken.`)) {
    const stat = await fs.lstat(filePath);
    if (Date.now() - stat.ctimeMs <= staleMs) return false;
    await fs.rm(filePath, { force: true });
    return true;
  }
  if (!(await isLockAbandoned(filePath, staleMs))) return false;
  await breakLock(filePath);
  return true;
}

/**
 * The lock files of one directory: a lock is a file that only one process
 * can create, which holds across every process sharing the directory
 * (replicas on one volume).
 *
 * A lock is taken by hard-linking this process's owner file to the lock name
 * (link(2) fails if the name exists, like O_EXCL), and released by unlinking
 * it. So a lock file always names its owner from the moment it exists (a
 * process killed in between can leave no empty lock that nobody could prove
 * abandoned), and taking a lock allocates no inode: on ext4, creating and
 * deleting a temp inode per lock doubled the kernel time of a durable write.
 * The owner file is created on first use, again if someone removed it, and
 * removed by {@link close}, or by the next scan after its process died.
 */
export class LockFiles {
  private ownerFile: Promise<string> | null = null;

  constructor(
    private readonly dir: string,
    private readonly options: LockOptions,
    private readonly io: FsCalls,
  ) {}

  /** Takes the lock `key`, waiting up to `timeoutMs`; resolves to a function that releases it. */
  async acquire(key: string): Promise<() => Promise<void>> {
    const lockPath = path.join(this.dir, lockFileName(key));
    const deadline = Date.now() + this.options.timeoutMs;
    let wait = 2;
    for (let recreated = false; ; ) {
      const ownerFile = await this.owner();
      try {
        await this.io.link(ownerFile, lockPath);
        return () => this.io.unlink(lockPath);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT' && !recreated) {
          // The owner file was removed (by hand, or by a replica after a long idle spell): make it again.
          this.ownerFile = null;
          recreated = true;
          continue;
        }
        if (code !== 'EEXIST') throw error;
      }
      try {
        if (await isLockAbandoned(lockPath, this.options.staleMs)) {
          await breakLock(lockPath);
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

  /** Removes the owner file; call once no lock is held any more. */
  async close(): Promise<void> {
    if (this.ownerFile === null) return;
    const ownerFile = await this.ownerFile.catch(() => null);
    this.ownerFile = null;
    if (ownerFile !== null) await this.io.unlink(ownerFile);
  }

  private owner(): Promise<string> {
    this.ownerFile ??= this.createOwnerFile().catch((error: unknown) => {
      this.ownerFile = null;
      throw error;
    });
    return this.ownerFile;
  }

  /** Written in full before any lock links to it; one left empty by a kill is still known by its name. */
  private async createOwnerFile(): Promise<string> {
    const ownerPath = path.join(this.dir, ownerFileName());
    try {
      const fd = await this.io.open(ownerPath, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
      try {
        await this.io.writeAll(fd, Buffer.from(JSON.stringify(PROCESS_IDENTITY)));
      } finally {
        await this.io.close(fd);
      }
    } catch (error) {
      // Also on a full disk: nothing half-made is left behind.
      await this.io.unlink(ownerPath).catch(() => undefined);
      throw error;
    }
    return ownerPath;
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
