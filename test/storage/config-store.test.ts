import { execFileSync } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ConfigTooLarge, InvalidStoredConfig, StorageBusy, StorageFull, StorageUnavailable } from '../../src/domain/errors.js';
import { PROCESS_IDENTITY } from '../../src/storage/atomic-file.js';
import { FsCalls } from '../../src/storage/fs-calls.js';
import { ConfigStore, type ConfigStoreOptions } from '../../src/storage/config-store.js';
import { STATE_DIR_NAME, statePaths } from '../../src/storage/state-directory.js';
import { DirectoryHealth } from '../../src/storage/storage-health.js';
import { buildTestApp, MAC, tempDir } from '../helpers/app.js';
import { lockFilePath, namesIn } from '../helpers/stored-names.js';
import { waitUntil } from '../helpers/wait-until.js';

const silent = pino({ level: 'silent' });

async function newStore(options: Partial<ConfigStoreOptions> = {}): Promise<ConfigStore> {
  const dir = options.dir ?? (await tempDir());
  const store = new ConfigStore({ dir, createDir: false, logger: silent, ...options });
  await store.start();
  return store;
}

/** The name of the file each descriptor the store opened was last opened for (descriptors are reused). */
function openedFiles(): Map<number, string> {
  const names = new Map<number, string>();
  const realOpen = FsCalls.prototype.open;
  vi.spyOn(FsCalls.prototype, 'open').mockImplementation(async function (this: FsCalls, file, flags, mode) {
    const fd = await realOpen.call(this, file, flags, mode);
    names.set(fd, path.basename(file));
    return fd;
  });
  return names;
}

const bytesOf = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('atomic writes', () => {
  it('a failing rename leaves the previous file intact and no temp file', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceName: 'old' } } });
    vi.spyOn(FsCalls.prototype, 'rename').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' }));
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceName: 'new' } } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'STORAGE_BUSY' });
    expect(res.headers['retry-after']).toBe('1');
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
    expect(JSON.parse(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8'))).toEqual({ deviceName: 'old' });
  });

  it('a full disk while writing gives 507 STORAGE_FULL, the previous file intact and no temp file', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceName: 'old' } } });
    const opened = openedFiles();
    const realWriteAll = FsCalls.prototype.writeAll;
    let failed = 0;
    vi.spyOn(FsCalls.prototype, 'writeAll').mockImplementation(async function (this: FsCalls, fd, bytes) {
      const name = opened.get(fd)!;
      if (name.startsWith(`.${MAC}.json.`) && name.endsWith('.tmp')) {
        failed++;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return realWriteAll.call(this, fd, bytes);
    });
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceName: 'new' } } });
    expect(failed).toBe(1);
    expect(res.statusCode).toBe(507);
    expect(res.json()).toMatchObject({ code: 'STORAGE_FULL', error: expect.stringContaining('No space left') });
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
    expect(JSON.parse(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8'))).toEqual({ deviceName: 'old' });
  });

  it('fsyncs the temp file before the rename and the directory after it, for the config and then its version', async () => {
    const store = await newStore();
    const calls: string[] = [];
    const opened = openedFiles();
    const realFsync = FsCalls.prototype.fsync;
    vi.spyOn(FsCalls.prototype, 'fsync').mockImplementation(async function (this: FsCalls, fd) {
      const name = opened.get(fd);
      calls.push(`fsync ${name?.endsWith('.tmp') ? 'temp' : name === path.basename(store.dir) ? 'dir' : name === MAC ? 'history dir' : 'other'}`);
      return realFsync.call(this, fd);
    });
    const realRename = FsCalls.prototype.rename;
    vi.spyOn(FsCalls.prototype, 'rename').mockImplementation(async function (this: FsCalls, from, to) {
      calls.push('rename');
      return realRename.call(this, from, to);
    });
    await store.save(MAC, bytesOf({ a: 1 }));
    expect(calls).toEqual(['fsync temp', 'rename', 'fsync dir', 'fsync temp', 'rename', 'fsync history dir']);
  });

  it('50 concurrent PUTs to one MAC leave a file equal to one of the 50 bodies', async () => {
    const { app, dir } = await buildTestApp();
    const bodies = Array.from({ length: 50 }, (_, i) => ({ deviceName: `writer ${i}`, blob: 'x'.repeat(i * 997) }));
    const results = await Promise.all(bodies.map((content) => app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content } })));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    const stored = await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8');
    expect(bodies.map((b) => `${JSON.stringify(b, null, 2)}\n`)).toContain(stored);
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
  });

  it('of N concurrent writers with the same If-Match, exactly one succeeds', async () => {
    const { app, dir } = await buildTestApp();
    const created = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { v: 0 } } });
    const etag = created.headers.etag as string;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-match': etag }, payload: { content: { v: i + 1 } } }),
      ),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const winner = results.find((r) => r.statusCode === 200)!;
    expect(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toBe(`${JSON.stringify(winner.json().content, null, 2)}\n`);
  });
});

describe('locks', () => {
  it('breaks a lock left by a crashed process once it is stale', async () => {
    const store = await newStore({ lock: { staleMs: 400, timeoutMs: 5000 } });
    const lockPath = await lockFilePath(store.dir, MAC);
    await fs.writeFile(lockPath, JSON.stringify({ host: 'another-replica', pid: 1, instance: 'aaaaaaaaaaaa' }));
    const started = Date.now();
    await store.save(MAC, bytesOf({ a: 1 }));
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(3000);
    expect(await namesIn(store.dir)).toEqual([`${MAC}.json`]);
  });

  it('breaks at once a lock whose owner ran on this host and is gone', async () => {
    const store = await newStore({ lock: { staleMs: 60_000, timeoutMs: 5000 } });
    const lockPath = await lockFilePath(store.dir, MAC);
    await fs.writeFile(lockPath, JSON.stringify({ host: os.hostname(), pid: 2 ** 22 + 12345, instance: 'bbbbbbbbbbbb' }));
    const started = Date.now();
    await store.save(MAC, bytesOf({ a: 1 }));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('waits for a live lock and gives 503 STORAGE_BUSY after the timeout, writing nothing', async () => {
    const store = await newStore({ lock: { staleMs: 60_000, timeoutMs: 300 } });
    await fs.writeFile(await lockFilePath(store.dir, MAC), JSON.stringify({ ...PROCESS_IDENTITY }));
    await expect(store.save(MAC, bytesOf({ a: 1 }))).rejects.toBeInstanceOf(StorageBusy);
    await expect(fs.access(path.join(store.dir, `${MAC}.json`))).rejects.toThrow();
  });
});

describe('leftover files', () => {
  // Where this version keeps them, and where earlier versions left them: an upgrade leaves no debris.
  it.each([
    ['in the state directory', (dir: string) => statePaths(dir)],
    ['in the config directory, as earlier versions left them', (dir: string) => ({ tmp: dir, locks: dir })],
  ])('removes temp and lock files of dead writers, and only old ones of possibly live replicas, %s', async (_where, placeOf) => {
    const dir = await tempDir();
    const { tmp, locks } = placeOf(dir);
    await fs.mkdir(tmp, { recursive: true });
    await fs.mkdir(locks, { recursive: true });
    const host = os.hostname();
    const deadTemp = `.${MAC}.json.${host}.${2 ** 22 + 7}.cccccccccccc.0.tmp`;
    const liveReplicaTemp = `.${MAC}.json.other-host.42.dddddddddddd.0.tmp`;
    const oldReplicaTemp = `.${MAC}.json.other-host.43.eeeeeeeeeeee.0.tmp`;
    const deadLock = '.11-22-33-44-55-66.lock';
    for (const name of [deadTemp, liveReplicaTemp, oldReplicaTemp]) await fs.writeFile(path.join(tmp, name), '{"partial');
    await fs.writeFile(path.join(locks, deadLock), JSON.stringify({ host, pid: 2 ** 22 + 8, instance: 'ffffffffffff' }));
    const old = new Date(Date.now() - 120_000);
    await fs.utimes(path.join(tmp, oldReplicaTemp), old, old);

    const store = await newStore({ dir });
    await store.refreshListing();
    expect(await namesIn(dir)).toEqual([path.relative(dir, path.join(tmp, liveReplicaTemp))]);
    expect((await store.list()).configs).toEqual([]);
  });

  it('leaves alone hidden files that are not its own, however old, and its own idle lock tokens, but not its own leaked temp files', async () => {
    const dir = await tempDir();
    const old = new Date(Date.now() - 3_600_000);
    const others = ['.backup.lock', '.flock.lock.broken.x.1', '.notes.tmp', `.${MAC}.json.swp`];
    for (const name of others) await fs.writeFile(path.join(dir, name), 'a person\'s\n');
    await fs.mkdir(path.join(dir, '.snapshots.lock'));
    // A directory under a lock's own name is not a lock file either.
    await fs.mkdir(path.join(dir, '.11-22-33-44-55-66.lock'));
    for (const name of [...others, '.snapshots.lock', '.11-22-33-44-55-66.lock']) await fs.utimes(path.join(dir, name), old, old);

    const store = await newStore({ dir, tempFileMaxAgeMs: 0 });
    await store.save(MAC, bytesOf({ deviceName: 'kept' }));
    // This process's own write whose temp file could not be removed (EIO mid-write): a leftover like any other.
    const { host, pid, instance } = PROCESS_IDENTITY;
    const { tmp, locks } = statePaths(dir);
    const ownLeak = path.join(tmp, `.${MAC}.json.${host}.${pid}.${instance}.99.tmp`);
    await fs.writeFile(ownLeak, '{"partial');
    await fs.utimes(ownLeak, old, old);
    const tokens = await fs.readdir(locks);
    expect(tokens).toEqual([expect.stringMatching(/^\.owner\.lock\./)]);
    await store.refreshListing();
    await store.refreshListing();
    expect((await fs.readdir(dir)).sort()).toEqual(
      [...others, '.snapshots.lock', '.11-22-33-44-55-66.lock', STATE_DIR_NAME, `${MAC}.json`].sort(),
    );
    expect(await fs.readdir(locks)).toEqual(tokens);
    expect(await fs.readdir(tmp)).toEqual([]);
  });
});

describe('list', () => {
  it('a rescan asked for while one is under way sees a file written after that one read the directory', async () => {
    const store = await newStore();
    await store.refreshListing();
    const realReaddir = fs.readdir;
    let releaseScan!: () => void;
    const scanHeld = new Promise<void>((resolve) => (releaseScan = resolve));
    vi.spyOn(fs, 'readdir').mockImplementationOnce(async (...args: Parameters<typeof fs.readdir>) => {
      const names = await realReaddir(...args);
      await scanHeld;
      return names;
    });
    const first = store.refreshListing();
    await fs.writeFile(path.join(store.dir, `${MAC}.json`), '{"deviceName": "late"}');
    const second = store.refreshListing();
    releaseScan();
    await Promise.all([first, second]);
    expect((await store.list()).configs.map((c) => c.device_name)).toEqual(['late']);
  });

  it('fails with 503 rather than returning a shorter list on a transient error', async () => {
    const dir = await tempDir();
    for (const last of ['01', '02', '03']) {
      await fs.writeFile(path.join(dir, `aa-bb-cc-dd-ee-${last}.json`), '{}');
    }
    // Whether the store reads synchronously or through the thread pool, the read fails.
    const realReadFile = FsCalls.prototype.readFile;
    vi.spyOn(FsCalls.prototype, 'readFile').mockImplementation(async function (this: FsCalls, file, maxBytes) {
      if (file.endsWith('-02.json')) throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
      return realReadFile.call(this, file, maxBytes);
    });
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const res = await app.inject('/api/configs');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'STORAGE_BUSY' });
    vi.restoreAllMocks();
    expect((await app.inject('/api/configs')).json().count).toBe(3);
  });

  it.each([
    ['synchronous', true],
    ['thread-pool', false],
  ])('reads a large directory with a bounded number of open files (%s reads)', async (_path, syncReads) => {
    const dir = await tempDir();
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) => {
        const hex = i.toString(16).padStart(4, '0');
        return fs.writeFile(path.join(dir, `aa-bb-cc-dd-${hex.slice(0, 2)}-${hex.slice(2)}.json`), JSON.stringify({ deviceName: `d${i}` }));
      }),
    );
    vi.spyOn(FsCalls.prototype, 'syncReads', 'get').mockReturnValue(syncReads);
    let open = 0;
    let peak = 0;
    const opened = () => (peak = Math.max(peak, ++open));
    const { openSync, closeSync, open: openPooled, close: closePooled } = fsSync;
    vi.spyOn(fsSync, 'openSync').mockImplementation((...args: Parameters<typeof fsSync.openSync>) => {
      const fd = openSync(...args);
      opened();
      return fd;
    });
    vi.spyOn(fsSync, 'closeSync').mockImplementation((fd) => {
      open--;
      closeSync(fd);
    });
    vi.spyOn(fsSync, 'open').mockImplementation(((file: string, flags: number, callback: (error: Error | null, fd?: number) => void) =>
      openPooled(file, flags, (error, fd) => {
        if (error === null) opened();
        callback(error, fd);
      })) as typeof fsSync.open);
    vi.spyOn(fsSync, 'close').mockImplementation(((fd: number, callback: (error: Error | null) => void) => {
      open--;
      closePooled(fd, callback);
    }) as typeof fsSync.close);
    const store = new ConfigStore({ dir, createDir: false, logger: silent, scanConcurrency: 16 });
    const listing = await store.list();
    expect(listing.configs).toHaveLength(2000);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(16);
    expect(open).toBe(0);
    expect(listing.configs[0]!.mac_address < listing.configs[1]!.mac_address).toBe(true);
  });

  it('never follows a symlinked config: it is skipped in the list and not readable through the API', async () => {
    const { app, dir } = await buildTestApp();
    const outside = await tempDir('outside-');
    await fs.writeFile(path.join(outside, 'secret.json'), '{"deviceName": "secret"}');
    await fs.symlink(path.join(outside, 'secret.json'), path.join(dir, `${MAC}.json`));
    await app.configStore.refreshListing();
    const list = (await app.inject('/api/configs')).json();
    expect(list.count).toBe(0);
    expect(list.skipped[0]).toMatchObject({ filename: `${MAC}.json`, reason: expect.stringContaining('symbolic link') });
    const get = await app.inject(`/api/configs/${MAC}`);
    expect(get.statusCode).toBe(422);
    expect(get.body).not.toContain('secret');
    expect((await app.inject(`/api/configs/${MAC}.json`)).statusCode).toBe(500);
    // A save replaces the link itself and never writes through it.
    expect((await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceName: 'mine' } } })).statusCode).toBe(200);
    expect(await fs.readFile(path.join(outside, 'secret.json'), 'utf8')).toBe('{"deviceName": "secret"}');
    expect((await fs.lstat(path.join(dir, `${MAC}.json`))).isSymbolicLink()).toBe(false);
  });
});

describe('memory', () => {
  it('keeps each config read from disk, at start-up or later, in memory of its own, not in a slab of the shared pool', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, `${MAC}.json`), bytesOf({ deviceName: 'at start-up' }));
    const store = await newStore({ dir });
    await fs.writeFile(path.join(dir, '11-22-33-44-55-66.json'), bytesOf({ deviceName: 'later' }));
    for (const mac of [MAC, '11-22-33-44-55-66']) {
      const { bytes } = await store.read(mac);
      expect(bytes.length).toBeLessThan(4096);
      expect(bytes.buffer.byteLength).toBe(bytes.length);
    }
    await store.close();
  });
});

describe('a config file the service may not read', () => {
  it('is reported as that file\'s problem, not the directory\'s, and a save replaces it', async () => {
    const { app, dir } = await buildTestApp();
    await fs.writeFile(path.join(dir, `${MAC}.json`), '{"deviceName": "locked"}');
    // Root reads any file, so the refusal an unprivileged service gets is injected.
    const denied = (file: unknown) => String(file).endsWith(`${MAC}.json`) && (dir === path.dirname(String(file)));
    const eacces = () => Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' });
    const realReadFile = FsCalls.prototype.readFile;
    vi.spyOn(FsCalls.prototype, 'readFile').mockImplementation(async function (this: FsCalls, file, maxBytes) {
      if (denied(file)) throw eacces();
      return realReadFile.call(this, file, maxBytes);
    });
    const get = await app.inject(`/api/configs/${MAC}`);
    expect(get.statusCode).toBe(422);
    expect(get.json()).toMatchObject({ code: 'INVALID_STORED_CONFIG', details: { reason: expect.stringMatching(/^the file cannot be read \(permission denied\)/) } });
    expect((await app.inject(`/api/configs/${MAC}.json`)).statusCode).toBe(500);
    expect((await app.inject('/api/health')).statusCode).toBe(200);
    await app.configStore.refreshListing();
    expect((await app.inject('/api/configs')).json().skipped).toEqual([{ filename: `${MAC}.json`, reason: get.json().details.reason }]);

    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceName: 'mine' } } });
    expect(put.statusCode).toBe(200);
    vi.restoreAllMocks();
    expect(JSON.parse(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8'))).toEqual({ deviceName: 'mine' });
  });
});

describe('files over the size limit', () => {
  const fileOf = (size: number) => `{"deviceName": "${'x'.repeat(size - 19)}"}\n`;

  it.each([
    ['synchronous', true],
    ['thread-pool', false],
  ])('are reported without being read (%s reads)', async (_path, syncReads) => {
    vi.spyOn(FsCalls.prototype, 'syncReads', 'get').mockReturnValue(syncReads);
    const store = await newStore({ maxFileBytes: 1024 });
    await fs.writeFile(path.join(store.dir, `${MAC}.json`), fileOf(1025));
    const error = await store.read(MAC).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidStoredConfig);
    expect((error as InvalidStoredConfig).details).toMatchObject({
      reason: 'the file is 1025 bytes, over the limit of 1024 bytes for a config file, so it is not read',
      raw: '',
      etag: null,
    });
    await store.refreshListing();
    const listing = await store.list();
    expect(listing.configs).toEqual([]);
    expect(listing.skipped).toEqual([{ filename: `${MAC}.json`, reason: expect.stringContaining('1025 bytes') }]);

    await fs.writeFile(path.join(store.dir, `${MAC}.json`), fileOf(1024));
    expect((await store.read(MAC)).summary.device_name).toBe('x'.repeat(1024 - 19));
  });

  it('are 16 MiB by default: a sparse file of 1 GiB is never read', async () => {
    const store = await newStore();
    await fs.writeFile(path.join(store.dir, `${MAC}.json`), '{}');
    await fs.truncate(path.join(store.dir, `${MAC}.json`), 1024 ** 3);
    await store.refreshListing();
    expect((await store.list()).skipped).toEqual([
      { filename: `${MAC}.json`, reason: `the file is ${1024 ** 3} bytes, over the limit of ${16 * 1_048_576} bytes for a config file, so it is not read` },
    ]);
    await expect(store.read(MAC)).rejects.toBeInstanceOf(InvalidStoredConfig);
    // It can still be replaced or deleted through the API.
    await store.save(MAC, bytesOf({ deviceName: 'mine' }));
    expect((await store.read(MAC)).summary.device_name).toBe('mine');
  });

  it('are never written', async () => {
    const store = await newStore({ maxFileBytes: 1024 });
    await expect(store.save(MAC, Buffer.from(fileOf(1025)))).rejects.toBeInstanceOf(ConfigTooLarge);
    expect(await namesIn(store.dir)).toEqual([]);
    await store.save(MAC, Buffer.from(fileOf(1024)));
    expect(await namesIn(store.dir)).toEqual([`${MAC}.json`]);
  });
});

describe('errors', () => {
  it('maps ENOSPC to StorageFull', async () => {
    const store = await newStore();
    vi.spyOn(FsCalls.prototype, 'rename').mockRejectedValueOnce(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    await expect(store.save(MAC, bytesOf({}))).rejects.toBeInstanceOf(StorageFull);
  });
});

describe('storage that becomes unusable', () => {
  /** A logger that keeps what it logs, as parsed lines. */
  function capturingLogger() {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const said = (text: string) => lines.filter((line) => line.msg.includes(text));
    return { logger, said };
  }

  it('logs once when the directory goes, not on every refusal, and once when it is back, without any request', async () => {
    const dir = await tempDir();
    const { logger, said } = capturingLogger();
    const store = await newStore({ dir, logger, storageRecheckMs: 20 });
    onTestFinished(() => store.close());
    await store.save(MAC, bytesOf({ deviceName: 'before' }));
    await fs.rename(dir, `${dir}-away`);
    for (let i = 0; i < 3; i++) {
      await expect(store.save(MAC, bytesOf({ deviceName: 'lost' }))).rejects.toBeInstanceOf(StorageUnavailable);
      expect((await store.health()).healthy).toBe(false);
    }
    expect(said('Config storage unavailable')).toEqual([expect.objectContaining({ level: 50, msg: `Config storage unavailable: Directory does not exist: ${dir}` })]);
    expect(said('usable again')).toEqual([]);

    await fs.rename(`${dir}-away`, dir);
    await waitUntil(() => said('usable again').length > 0, 'the return of the directory logged');
    expect(said('usable again')).toEqual([expect.objectContaining({ level: 40, msg: 'Config storage is usable again' })]);
    await store.save(MAC, bytesOf({ deviceName: 'after' }));
    expect((await store.read(MAC)).summary.device_name).toBe('after');
    expect(said('Config storage unavailable')).toHaveLength(1);
  });

  it('started on a missing directory, lists what is there once it appears', async () => {
    const dir = path.join(await tempDir(), 'configs');
    const { logger, said } = capturingLogger();
    const store = await newStore({ dir, logger, storageRecheckMs: 20 });
    onTestFinished(() => store.close());
    expect(said('Config storage unavailable')).toHaveLength(1);
    // Writes learn the filesystem's kind once it is there (see FsCalls), not before.
    const detected = vi.spyOn(FsCalls.prototype, 'detectFilesystem');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, `${MAC}.json`), bytesOf({ deviceName: 'by hand' }));
    await waitUntil(() => said('usable again').length > 0, 'the new directory noticed');
    expect(detected).toHaveBeenCalledWith(dir);
    expect((await store.list()).configs.map((config) => config.device_name)).toEqual(['by hand']);
  });

  it('a volume made read-only: writes refused with the reason, logged once as unavailable, not as a failure per write, and its return too', async (context) => {
    const mountPoint = await tempDir('iot-mount-');
    const mount = (options: string) => execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mountPoint], { stdio: 'ignore' });
    try {
      mount('size=1m');
    } catch {
      context.skip('needs root, to mount a tmpfs');
    }
    onTestFinished(() => {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    });
    const { logger, said } = capturingLogger();
    const store = await newStore({ dir: mountPoint, logger, storageRecheckMs: 20 });
    onTestFinished(() => store.close());
    await store.save(MAC, bytesOf({ v: 1 }));

    execFileSync('mount', ['-o', 'remount,ro', mountPoint], { stdio: 'ignore' });
    for (let i = 0; i < 3; i++) {
      await expect(store.save(MAC, bytesOf({ v: 2 }))).rejects.toThrow(`Read-only file system: ${mountPoint}`);
    }
    expect(said('Config storage unavailable')).toEqual([expect.objectContaining({ level: 50, msg: `Config storage unavailable: Read-only file system: ${mountPoint}` })]);
    expect(said('Storage failure')).toEqual([]);
    // Reads still work.
    expect((await store.read(MAC)).bytes.toString()).toBe(bytesOf({ v: 1 }).toString());

    execFileSync('mount', ['-o', 'remount,rw', mountPoint], { stdio: 'ignore' });
    await waitUntil(() => said('usable again').length > 0, 'the writable volume noticed');
    await store.save(MAC, bytesOf({ v: 3 }));
  });

  it('does not let a slow look that began before the loss undo what a later one found', async () => {
    const dir = await tempDir();
    const { logger, said } = capturingLogger();
    const store = await newStore({ dir, logger, storageRecheckMs: 60_000 });
    onTestFinished(() => store.close());
    // The first look finds the directory there but answers late (a slow mount); the second, begun after the loss, first.
    let answerFirst!: () => void;
    const realCheck = (DirectoryHealth.prototype as unknown as { checkHealth: () => Promise<unknown> }).checkHealth;
    const check = vi.spyOn(DirectoryHealth.prototype as unknown as { checkHealth: () => Promise<unknown> }, 'checkHealth');
    check.mockImplementationOnce(async function (this: DirectoryHealth) {
      const found = await realCheck.call(this);
      await new Promise<void>((resolve) => (answerFirst = resolve));
      return found;
    });
    const first = store.health();
    await waitUntil(() => answerFirst !== undefined, 'the first look under way');
    await fs.rename(dir, `${dir}-away`);
    onTestFinished(() => fs.rename(`${dir}-away`, dir).catch(() => undefined));
    expect((await store.health()).healthy).toBe(false);
    answerFirst();
    expect((await first).healthy).toBe(true);
    expect(said('Config storage unavailable')).toHaveLength(1);
    expect(said('usable again')).toEqual([]);
  });

  it('learns the kind of a volume mounted at the directory after start-up', async (context) => {
    const mountPoint = await tempDir('iot-mount-');
    const store = await newStore({ dir: mountPoint });
    onTestFinished(() => store.close());
    const detected = vi.spyOn(FsCalls.prototype, 'detectFilesystem');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      context.skip('needs root, to mount a tmpfs');
    }
    onTestFinished(() => {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    });
    expect(detected).not.toHaveBeenCalled();
    // A scan, a write or a health probe sees the new device.
    expect(await store.countValidConfigs()).toBe(0);
    expect(detected).toHaveBeenCalledWith(mountPoint);
  });

  it('a permission failure of one file is logged with its cause, and storage is not called unavailable', async () => {
    const { logger, said } = capturingLogger();
    const store = await newStore({ logger });
    onTestFinished(() => store.close());
    vi.spyOn(FsCalls.prototype, 'rename').mockRejectedValueOnce(Object.assign(new Error('EACCES: permission denied, rename'), { code: 'EACCES' }));
    await expect(store.save(MAC, bytesOf({}))).rejects.toBeInstanceOf(StorageUnavailable);
    expect(said('Storage failure')).toEqual([expect.objectContaining({ level: 40, msg: `Storage failure: save config ${MAC}`, err: expect.objectContaining({ code: 'EACCES' }) })]);
    expect(said('Config storage unavailable')).toEqual([]);
  });

  it('stops looking once closed', async () => {
    const dir = path.join(await tempDir(), 'configs');
    const { logger, said } = capturingLogger();
    const store = await newStore({ dir, logger, storageRecheckMs: 20 });
    expect(said('Config storage unavailable')).toHaveLength(1);
    await store.close();
    await fs.mkdir(dir);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(said('usable again')).toEqual([]);
  });
});
