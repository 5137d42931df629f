import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { tempFileOwner } from '../../src/storage/atomic-file.js';
import { FsCalls } from '../../src/storage/fs-calls.js';
import { acquireLock } from '../../src/storage/lock-file.js';
import { buildTestApp, MAC, tempDir } from '../helpers/app.js';

const io = new FsCalls();

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

// Regression: the reliability suite's crash phase found empty `.<mac>.lock` files after SIGKILL (killed
// between creating the lock and writing its owner). Nobody could prove them abandoned, so they blocked
// writes to that config for the full 10 s staleness bound and survived a restart.
describe('lock files', () => {
  it('name their owner from the moment they exist, and leave no temp file', async () => {
    const dir = await tempDir();
    const release = await acquireLock(dir, MAC, { staleMs: 10_000, timeoutMs: 1_000 }, io);
    expect(await fs.readdir(dir)).toEqual([`.${MAC}.lock`]);
    const owner = JSON.parse(await fs.readFile(path.join(dir, `.${MAC}.lock`), 'utf8')) as { pid: number; host: string };
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });
    await release();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('exclude a second taker until released', async () => {
    const dir = await tempDir();
    const release = await acquireLock(dir, MAC, { staleMs: 10_000, timeoutMs: 1_000 }, io);
    await expect(acquireLock(dir, MAC, { staleMs: 10_000, timeoutMs: 100 }, io)).rejects.toMatchObject({ code: 'STORAGE_BUSY' });
    expect(await fs.readdir(dir)).toEqual([`.${MAC}.lock`]);
    await release();
    const again = await acquireLock(dir, MAC, { staleMs: 10_000, timeoutMs: 100 }, io);
    await again();
  });

  it('a lock temp file left by a dead writer is recognised and removed at start-up', async () => {
    const dir = await tempDir();
    const leftover = `.${MAC}.lock.${os.hostname()}.${deadPid()}.0123456789ab.0.tmp`;
    expect(tempFileOwner(leftover)).toMatchObject({ host: os.hostname(), instance: '0123456789ab' });
    await fs.writeFile(path.join(dir, leftover), '{}');
    await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    for (let i = 0; i < 20 && (await fs.readdir(dir)).length > 0; i++) await sleep(100);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('a lock of a dead process on this host is broken at once', async () => {
    const { app, dir } = await buildTestApp();
    await fs.writeFile(path.join(dir, `.${MAC}.lock`), JSON.stringify({ host: os.hostname(), pid: deadPid(), instance: '0123456789ab' }));
    const started = Date.now();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { a: 1 } } });
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await fs.readdir(dir)).toEqual([`${MAC}.json`]);
  });
});

describe('a lock that cannot be written (full disk)', () => {
  it('fails cleanly and leaves nothing that would block the config once space is back', async () => {
    const dir = await tempDir();
    const spy = vi.spyOn(io, 'writeAll').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    try {
      await expect(acquireLock(dir, MAC, { staleMs: 10_000, timeoutMs: 100 }, io)).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      spy.mockRestore();
    }
    expect(await fs.readdir(dir)).toEqual([]);
    const release = await acquireLock(dir, MAC, { staleMs: 10_000, timeoutMs: 100 }, io);
    await release();
  });
});
