import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FsCalls } from '../../src/storage/fs-calls.js';
import { tempDir } from '../helpers/app.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** FsCalls for `dir`, which is on the machine's local disk (the temp directory). */
async function localFsCalls(dir: string): Promise<FsCalls> {
  const io = new FsCalls();
  await io.detectFilesystem(dir);
  return io;
}

/** Spies on the synchronous and the thread-pool form of a `node:fs` call. */
function spyBoth(name: 'rename' | 'link' | 'unlink') {
  return { sync: vi.spyOn(fsSync, `${name}Sync`), pooled: vi.spyOn(fsSync, name) };
}

describe('FsCalls', () => {
  it('writes, links and unlinks with synchronous calls while no fsync is in flight', async () => {
    const dir = await tempDir();
    const io = await localFsCalls(dir);
    await fs.writeFile(path.join(dir, 'a'), '');
    const write = { sync: vi.spyOn(fsSync, 'writeSync'), pooled: vi.spyOn(fsSync, 'write') };
    const link = spyBoth('link');
    const unlink = spyBoth('unlink');
    const fd = await io.open(path.join(dir, 'a'), fsSync.constants.O_WRONLY);
    await io.writeAll(fd, Buffer.from('hello'));
    await io.close(fd);
    await io.link(path.join(dir, 'a'), path.join(dir, 'b'));
    await io.unlink(path.join(dir, 'a'));
    for (const call of [write, link, unlink]) {
      expect(call.sync).toHaveBeenCalledTimes(1);
      expect(call.pooled).not.toHaveBeenCalled();
    }
    expect(await fs.readFile(path.join(dir, 'b'), 'utf8')).toBe('hello');
  });

  it('changes the directory through the thread pool until it knows the filesystem is local', async () => {
    const dir = await tempDir();
    const io = new FsCalls();
    await fs.writeFile(path.join(dir, 'a'), '');
    const link = spyBoth('link');
    await io.link(path.join(dir, 'a'), path.join(dir, 'b'));
    expect(link.pooled).toHaveBeenCalledTimes(1);
    expect(link.sync).not.toHaveBeenCalled();
    await io.detectFilesystem('/proc');
    await io.link(path.join(dir, 'a'), path.join(dir, 'c'));
    expect(link.pooled).toHaveBeenCalledTimes(2);
    await io.detectFilesystem(dir);
    await io.link(path.join(dir, 'a'), path.join(dir, 'd'));
    expect(link.sync).toHaveBeenCalledTimes(1);
  });

  it('always creates files and renames over them through the thread pool', async () => {
    const dir = await tempDir();
    const io = await localFsCalls(dir);
    const open = { sync: vi.spyOn(fsSync, 'openSync'), pooled: vi.spyOn(fsSync, 'open') };
    const rename = spyBoth('rename');
    const fd = await io.open(path.join(dir, 'a'), fsSync.constants.O_WRONLY | fsSync.constants.O_CREAT | fsSync.constants.O_EXCL, 0o644);
    await io.close(fd);
    await io.rename(path.join(dir, 'a'), path.join(dir, 'b'));
    expect(open.pooled).toHaveBeenCalledTimes(1);
    expect(open.sync).not.toHaveBeenCalled();
    expect(rename.pooled).toHaveBeenCalledTimes(1);
    expect(rename.sync).not.toHaveBeenCalled();
    expect(await fs.readdir(dir)).toEqual(['b']);
  });

  it('uses the thread pool for them while one of its fsyncs is in flight', async () => {
    const dir = await tempDir();
    const io = await localFsCalls(dir);
    const fd = await io.open(path.join(dir, 'a'), fsSync.constants.O_WRONLY | fsSync.constants.O_CREAT, 0o644);
    await io.writeAll(fd, Buffer.from('hello'));
    const link = spyBoth('link');
    const syncing = io.fsync(fd);
    await io.link(path.join(dir, 'a'), path.join(dir, 'b'));
    await syncing;
    expect(link.pooled).toHaveBeenCalledTimes(1);
    expect(link.sync).not.toHaveBeenCalled();

    await io.link(path.join(dir, 'a'), path.join(dir, 'c'));
    expect(link.sync).toHaveBeenCalledTimes(1);
    await io.close(fd);
    expect((await fs.readdir(dir)).sort()).toEqual(['a', 'b', 'c']);
  });

  it('keeps calls that change no directory (writing, stat-ing, closing, dating a file) on the event loop while one of its fsyncs is in flight', async () => {
    const dir = await tempDir();
    const io = await localFsCalls(dir);
    const syncedFd = await io.open(path.join(dir, 'synced'), fsSync.constants.O_WRONLY | fsSync.constants.O_CREAT, 0o644);
    const tempFd = await io.open(path.join(dir, 'temp'), fsSync.constants.O_WRONLY | fsSync.constants.O_CREAT, 0o644);
    const spies = (['write', 'fstat', 'close', 'lstat', 'lutimes'] as const).map((name) => ({ name, sync: vi.spyOn(fsSync, `${name}Sync`), pooled: vi.spyOn(fsSync, name) }));
    const syncing = io.fsync(syncedFd);
    await io.writeAll(tempFd, Buffer.from('hello'));
    expect((await io.fstat(tempFd)).size).toBe(5n);
    await io.close(tempFd);
    expect(await io.linkCount(path.join(dir, 'temp'))).toBe(1);
    // How a lock token is dated before it is linked as a lock.
    const lockedAt = new Date(Date.UTC(2026, 0, 1));
    await io.lutimes(path.join(dir, 'temp'), lockedAt, lockedAt);
    await syncing;
    expect((await fs.lstat(path.join(dir, 'temp'))).mtime).toEqual(lockedAt);
    for (const { name, sync, pooled } of spies) {
      expect(sync, name).toHaveBeenCalled();
      expect(pooled, name).not.toHaveBeenCalled();
    }
    await io.close(syncedFd);
    expect(await fs.readFile(path.join(dir, 'temp'), 'utf8')).toBe('hello');
  });

  it('uses the thread pool for everything for a while after a few slow calls in a row, and says so once', async () => {
    const dir = await tempDir();
    const onSlowStorage = vi.fn();
    const io = new FsCalls(onSlowStorage);
    await io.detectFilesystem(dir);
    const slowStorage = () => {
      const until = performance.now() + 5;
      while (performance.now() < until) {
        // Storage that makes every call wait.
      }
    };
    for (let i = 0; i < 3; i++) {
      expect(io.syncReads).toBe(true);
      io.timed(slowStorage);
    }
    expect(onSlowStorage).toHaveBeenCalledTimes(1);
    expect(io.syncReads).toBe(false);

    await fs.writeFile(path.join(dir, 'a'), '');
    const unlink = spyBoth('unlink');
    await io.unlink(path.join(dir, 'a'));
    await io.unlink(path.join(dir, 'a'), { missingOk: true });
    expect(unlink.pooled).toHaveBeenCalledTimes(2);
    expect(unlink.sync).not.toHaveBeenCalled();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('a single slow call does not switch to the thread pool', () => {
    const io = new FsCalls();
    const slow = () => {
      const until = performance.now() + 5;
      while (performance.now() < until) {
        // One call that lost the CPU.
      }
    };
    io.timed(slow);
    io.timed(() => undefined);
    io.timed(slow);
    io.timed(slow);
    expect(io.syncReads).toBe(true);
  });

  it('passes errors on in either mode; unlink of a missing file is an error unless missingOk', async () => {
    const dir = await tempDir();
    const io = await localFsCalls(dir);
    const missing = path.join(dir, 'missing');
    const link = spyBoth('link');
    await expect(io.link(missing, path.join(dir, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(io.unlink(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await io.unlink(missing, { missingOk: true });
    expect(link.sync).toHaveBeenCalledTimes(1);

    const fd = await io.open(path.join(dir, 'a'), fsSync.constants.O_WRONLY | fsSync.constants.O_CREAT, 0o644);
    const syncing = io.fsync(fd);
    await expect(io.link(missing, path.join(dir, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(io.unlink(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(link.pooled).toHaveBeenCalledTimes(1);
    await syncing;
    await io.close(fd);
  });
});
