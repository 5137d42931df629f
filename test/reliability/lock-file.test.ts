import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { tempFileOwner } from '../../src/storage/atomic-file.js';
import { FsCalls } from '../../src/storage/fs-calls.js';
import { LockFiles, TOKEN_TARGET, type LockOptions } from '../../src/storage/lock-file.js';
import { STATE_DIR_NAME, statePaths } from '../../src/storage/state-directory.js';
import { buildTestApp, MAC, tempDir } from '../helpers/app.js';
import { lockFilePath, namesIn } from '../helpers/stored-names.js';

const io = new FsCalls();
const options: LockOptions = { staleMs: 10_000, timeoutMs: 100 };
const isToken = (name: string) => name.startsWith(`.${TOKEN_TARGET}.`);
/** Lock files and tokens are kept in the state directory's locks/ (see LockFiles). */
const locksOf = (dir: string) => statePaths(dir).locks;
const inodeOf = async (dir: string, name: string) => (await fs.lstat(path.join(locksOf(dir), name))).ino;
/** The lock file of `mac` as namesIn gives it. */
const lockName = (mac: string) => `${STATE_DIR_NAME}/locks/.${mac}.lock`;

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

// Regression: the reliability suite's crash phase found empty `.<mac>.lock` files after SIGKILL (killed
// between creating the lock and writing its owner). Nobody could prove them abandoned, so they blocked
// writes to that config for the full 10 s staleness bound and survived a restart.
describe('lock files', () => {
  it('name their owner from the moment they exist, and leave only idle tokens, removed at close', async () => {
    const dir = await tempDir();
    const locks = new LockFiles(dir, options, io);
    const release = await locks.acquire(MAC);
    const names = await fs.readdir(locksOf(dir));
    expect(names.filter((name) => !isToken(name))).toEqual([`.${MAC}.lock`]);
    const owner = JSON.parse(await fs.readFile(path.join(locksOf(dir), `.${MAC}.lock`), 'utf8')) as { pid: number; host: string };
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });
    await release();
    expect(await namesIn(dir)).toEqual([]);
    expect((await fs.readdir(locksOf(dir))).filter(isToken)).toHaveLength(1);
    await locks.close();
    expect(await fs.readdir(locksOf(dir))).toEqual([]);
  });

  it('give each held lock an inode of its own, and reuse released ones instead of making files', async () => {
    const dir = await tempDir();
    const locks = new LockFiles(dir, options, io);
    const first = await locks.acquire(MAC);
    const second = await locks.acquire('aa-bb-cc-dd-ee-01');
    const held = [await inodeOf(dir, `.${MAC}.lock`), await inodeOf(dir, '.aa-bb-cc-dd-ee-01.lock')];
    expect(held[0]).not.toBe(held[1]);
    await first();
    await second();
    const tokens = (await fs.readdir(locksOf(dir))).filter(isToken).sort();
    const again = await locks.acquire('aa-bb-cc-dd-ee-02');
    expect(held).toContain(await inodeOf(dir, '.aa-bb-cc-dd-ee-02.lock'));
    expect((await fs.readdir(locksOf(dir))).filter(isToken).sort()).toEqual(tokens);
    await again();
  });

  it('date a lock from when it was taken, not from when its token was made', async () => {
    const dir = await tempDir();
    const locks = new LockFiles(dir, { staleMs: 300, timeoutMs: 100 }, io);
    await (await locks.acquire(MAC))();
    await sleep(400);
    // The token is older than staleMs now; a lock taken with it must not look stale to another taker.
    const release = await locks.acquire(MAC);
    await expect(new LockFiles(dir, { staleMs: 300, timeoutMs: 100 }, io).acquire(MAC)).rejects.toMatchObject({ code: 'STORAGE_BUSY' });
    await release();
  });

  it('never reuse a token that another process still holds as our broken lock, renamed aside', async () => {
    const dir = await tempDir();
    const locks = new LockFiles(dir, options, io);
    const release = await locks.acquire(MAC);
    const brokenInode = await inodeOf(dir, `.${MAC}.lock`);
    // Another process breaks the lock while this one holds it: it renames the lock aside...
    const aside = path.join(locksOf(dir), `.${MAC}.lock.broken.0123456789ab.1`);
    await fs.rename(path.join(locksOf(dir), `.${MAC}.lock`), aside);
    await release();
    // ...and then puts it back, taking it for a lock taken since.
    await fs.link(aside, path.join(locksOf(dir), `.${MAC}.lock`));
    await fs.rm(aside);
    const other = await locks.acquire('aa-bb-cc-dd-ee-01');
    // Reusing that token would link it as a second lock and keep the first one fresh for ever.
    expect(await inodeOf(dir, '.aa-bb-cc-dd-ee-01.lock')).not.toBe(brokenInode);
    await other();
    // Regression: the reliability suite's replica phase saw such a lock block its config for the
    // whole staleness bound (10 s), since its owner was alive and had released it already.
    const otherLocks = new LockFiles(dir, options, io);
    await (await otherLocks.acquire(MAC))();
    await otherLocks.close();
  });

  it('leave alone, when released, a lock taken by another process since ours was broken', async () => {
    const dir = await tempDir();
    const lockPath = path.join(locksOf(dir), `.${MAC}.lock`);
    const ours = await new LockFiles(dir, options, io).acquire(MAC);
    // A breaker renames our lock aside, and another process takes the lock meanwhile.
    await fs.rename(lockPath, path.join(locksOf(dir), `.${MAC}.lock.broken.0123456789ab.1`));
    const theirs = await new LockFiles(dir, options, io).acquire(MAC);
    const theirInode = await inodeOf(dir, `.${MAC}.lock`);
    await ours();
    expect(await inodeOf(dir, `.${MAC}.lock`)).toBe(theirInode);
    await expect(new LockFiles(dir, options, io).acquire(MAC)).rejects.toMatchObject({ code: 'STORAGE_BUSY' });
    await theirs();
  });

  it('hold a lock whose link took effect though it reported EEXIST (a retried request)', async () => {
    const dir = await tempDir();
    const locks = new LockFiles(dir, options, io);
    const realLink = io.link.bind(io);
    const link = vi.spyOn(io, 'link').mockImplementationOnce(async (existing, newPath) => {
      await realLink(existing, newPath);
      throw Object.assign(new Error('EEXIST: file already exists, link'), { code: 'EEXIST' });
    });
    try {
      const release = await locks.acquire(MAC);
      expect(await namesIn(dir)).toEqual([lockName(MAC)]);
      await release();
      expect(await namesIn(dir)).toEqual([]);
    } finally {
      link.mockRestore();
    }
  });

  it('exclude a second taker until released', async () => {
    const dir = await tempDir();
    const release = await new LockFiles(dir, options, io).acquire(MAC);
    await expect(new LockFiles(dir, options, io).acquire(MAC)).rejects.toMatchObject({ code: 'STORAGE_BUSY' });
    expect(await namesIn(dir)).toEqual([lockName(MAC)]);
    await release();
    const again = await new LockFiles(dir, options, io).acquire(MAC);
    await again();
  });

  it('make a new token when an idle one was removed', async () => {
    const dir = await tempDir();
    const locks = new LockFiles(dir, options, io);
    await (await locks.acquire(MAC))();
    for (const name of await fs.readdir(locksOf(dir))) await fs.rm(path.join(locksOf(dir), name));
    const release = await locks.acquire(MAC);
    expect(await namesIn(dir)).toEqual([lockName(MAC)]);
    await release();
  });

  it('a lock temp file left in the config directory by a dead writer of an earlier version is recognised and removed at start-up', async () => {
    const dir = await tempDir();
    const leftover = `.${MAC}.lock.${os.hostname()}.${deadPid()}.0123456789ab.0.tmp`;
    expect(tempFileOwner(leftover)).toMatchObject({ host: os.hostname(), instance: '0123456789ab' });
    await fs.writeFile(path.join(dir, leftover), '{}');
    await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    for (let i = 0; i < 20 && (await namesIn(dir)).length > 0; i++) await sleep(100);
    expect(await namesIn(dir)).toEqual([]);
  });

  it('a lock of a dead process on this host is broken at once', async () => {
    const { app, dir } = await buildTestApp();
    await fs.writeFile(await lockFilePath(dir, MAC), JSON.stringify({ host: os.hostname(), pid: deadPid(), instance: '0123456789ab' }));
    const started = Date.now();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { a: 1 } } });
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
  });
});

describe('a lock that cannot be written (full disk)', () => {
  it('fails cleanly and leaves nothing that would block the config once space is back', async () => {
    const dir = await tempDir();
    const locks = new LockFiles(dir, options, io);
    const spy = vi.spyOn(io, 'writeAll').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    try {
      await expect(locks.acquire(MAC)).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      spy.mockRestore();
    }
    expect(await namesIn(dir)).toEqual([]);
    const release = await locks.acquire(MAC);
    await release();
  });
});
