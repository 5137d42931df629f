import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigStore } from '../../src/storage/config-store.js';
import { FsCalls } from '../../src/storage/fs-calls.js';
import { tempDir } from '../helpers/app.js';
import { makeLstatSyncSlow } from '../helpers/slow-storage.js';

const silent = pino({ level: 'silent' });
const MAC = 'aa-bb-cc-dd-ee-01';

async function storeWithOneConfig(): Promise<{ store: ConfigStore; file: string }> {
  const dir = await tempDir();
  const file = path.join(dir, `${MAC}.json`);
  await fs.writeFile(file, '{"deviceName": "first"}\n');
  // History off: these tests count the file calls of the config's own write.
  const store = new ConfigStore({ dir, createDir: false, logger: silent, history: { limit: 0, maxAgeMs: 0 } });
  await store.start();
  await store.refreshListing();
  return { store, file };
}

afterEach(() => {
  vi.restoreAllMocks();
});

// The list body is serialised once per listing version: a rescan that finds nothing new must keep the version.
describe('listing versions', () => {
  it('a rescan that finds nothing changed keeps the version and the listing', async () => {
    const { store } = await storeWithOneConfig();
    const before = await store.list();
    await store.refreshListing();
    await store.refreshListing();
    const after = await store.list();
    expect(after.version).toBe(before.version);
    expect(after).toBe(before);
  });

  it('a rescan keeps the version while a symlink and a directory named as configs stay as they were', async () => {
    const { store, file } = await storeWithOneConfig();
    const dir = path.dirname(file);
    const link = path.join(dir, 'aa-bb-cc-dd-ee-02.json');
    await fs.symlink(file, link);
    await fs.mkdir(path.join(dir, 'aa-bb-cc-dd-ee-03.json'));
    await store.refreshListing();
    const before = await store.list();
    expect(before.skipped.map((s) => s.filename)).toEqual(['aa-bb-cc-dd-ee-02.json', 'aa-bb-cc-dd-ee-03.json']);
    await store.refreshListing();
    expect(await store.list()).toBe(before);

    // Replaced by a regular file, the symlink's name is a config again.
    await fs.rm(link);
    await fs.writeFile(link, '{"deviceName": "second"}\n');
    await store.refreshListing();
    const replaced = await store.list();
    expect(replaced.version).not.toBe(before.version);
    expect(replaced.configs.map((c) => c.device_name)).toEqual(['first', 'second']);
  });

  it('a file edited in place, added or removed by hand gives a new version', async () => {
    const { store, file } = await storeWithOneConfig();
    const first = await store.list();

    await fs.writeFile(file, '{"deviceName": "edited"}\n');
    await store.refreshListing();
    const edited = await store.list();
    expect(edited.version).not.toBe(first.version);
    expect(edited.configs[0]!.device_name).toBe('edited');

    await fs.writeFile(path.join(path.dirname(file), 'aa-bb-cc-dd-ee-02.json'), '{}\n');
    await store.refreshListing();
    const added = await store.list();
    expect(added.version).not.toBe(edited.version);
    expect(added.configs).toHaveLength(2);

    await fs.writeFile(path.join(path.dirname(file), 'not-a-mac.json'), '{}\n');
    await store.refreshListing();
    const skipped = await store.list();
    expect(skipped.version).not.toBe(added.version);
    expect(skipped.skipped.map((s) => s.filename)).toEqual(['not-a-mac.json']);

    await fs.rm(file);
    await store.refreshListing();
    const removed = await store.list();
    expect(removed.version).not.toBe(skipped.version);
    expect(removed.configs.map((c) => c.mac_address)).toEqual(['aa-bb-cc-dd-ee-02']);
  });

  it('a removal by hand is seen by a scan during which this process saved another config', async () => {
    const { store, file } = await storeWithOneConfig();
    const other = 'aa-bb-cc-dd-ee-02';
    await store.save(other, Buffer.from('{"deviceName": "other"}\n'));
    expect((await store.list()).configs).toHaveLength(2);

    const realReaddir = fs.readdir;
    vi.spyOn(fs, 'readdir').mockImplementationOnce((async (dir: string) => {
      const names = await realReaddir(dir);
      // Between the directory read and the file checks: MAC is removed by someone else, and this
      // process saves the other config. The scan must not take the index as unchanged.
      await fs.rm(file);
      await store.save(other, Buffer.from('{"deviceName": "saved during the scan"}\n'));
      return names;
    }) as typeof fs.readdir);
    await store.refreshListing();
    const listing = await store.list();
    expect(listing.configs.map((c) => [c.mac_address, c.device_name])).toEqual([[other, 'saved during the scan']]);
  });

  it('its own write is neither read back nor listed again by the next scan', async () => {
    const { store } = await storeWithOneConfig();
    await store.save(MAC, Buffer.from('{"deviceName": "saved"}\n'));
    const saved = await store.list();
    const readFile = vi.spyOn(fsSync, 'readFileSync');
    await store.refreshListing();
    expect((await store.list()).version).toBe(saved.version);
    expect((await store.read(MAC)).bytes.toString()).toBe('{"deviceName": "saved"}\n');
    expect(readFile).not.toHaveBeenCalled();
  });

  it('a change by hand while its own write is being made durable is still seen', async () => {
    const { store, file } = await storeWithOneConfig();
    const realFsync = FsCalls.prototype.fsync;
    let fsyncs = 0;
    vi.spyOn(FsCalls.prototype, 'fsync').mockImplementation(async function (this: FsCalls, fd) {
      // The second fsync of a save is the directory's, after the rename: edit the new file in place then.
      if (++fsyncs === 2) fsSync.writeFileSync(file, '{"deviceName": "by hand, meanwhile"}\n');
      return realFsync.call(this, fd);
    });
    await store.save(MAC, Buffer.from('{"deviceName": "saved"}\n'));
    expect(fsyncs).toBe(2);
    expect((await store.read(MAC)).summary.device_name).toBe('by hand, meanwhile');
    await store.refreshListing();
    expect((await store.list()).configs[0]!.device_name).toBe('by hand, meanwhile');
  });

  it('a change by hand right after its own write is still seen', async () => {
    const { store, file } = await storeWithOneConfig();
    await store.save(MAC, Buffer.from('{"deviceName": "saved"}\n'));
    await fs.writeFile(file, '{"deviceName": "by hand"}\n');
    expect((await store.read(MAC)).summary.device_name).toBe('by hand');
    await store.refreshListing();
    expect((await store.list()).configs[0]!.device_name).toBe('by hand');
  });

  it('its own writes give a new version at once', async () => {
    const { store } = await storeWithOneConfig();
    const first = await store.list();
    await store.save(MAC, Buffer.from('{"deviceName": "saved"}\n'));
    const saved = await store.list();
    expect(saved.version).not.toBe(first.version);
    expect(saved.configs[0]!.device_name).toBe('saved');
  });
});

// Reads use synchronous calls while they are fast, and the thread pool once storage turns slow.
describe('synchronous reads', () => {
  it('see a change made on disk at once', async () => {
    const { store, file } = await storeWithOneConfig();
    expect((await store.read(MAC)).summary.device_name).toBe('first');
    await fs.writeFile(file, '{"deviceName": "second"}\n');
    expect((await store.read(MAC)).summary.device_name).toBe('second');
    await fs.rm(file);
    await expect(store.read(MAC)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('stay on the event loop for a usable, an unusable or a missing file, and read a file again only once it changed', async () => {
    const { store, file } = await storeWithOneConfig();
    const readFileSync = vi.spyOn(fsSync, 'readFileSync');
    const pooled = [vi.spyOn(fsSync, 'lstat'), vi.spyOn(fsSync, 'open'), vi.spyOn(fsSync, 'readFile')];
    // Read by the start-up scan, and unchanged since: served from memory.
    expect((await store.read(MAC)).summary.device_name).toBe('first');
    expect(readFileSync).not.toHaveBeenCalled();
    await fs.writeFile(file, '{"deviceName": "second"}\n');
    expect((await store.read(MAC)).summary.device_name).toBe('second');
    expect((await store.read(MAC)).summary.device_name).toBe('second');
    expect(readFileSync).toHaveBeenCalledTimes(1);
    await fs.writeFile(file, '{"deviceName": ');
    await expect(store.read(MAC)).rejects.toMatchObject({ code: 'INVALID_STORED_CONFIG' });
    // Not fs.rm, which makes a pooled lstat of its own.
    fsSync.rmSync(file);
    await expect(store.read(MAC)).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    expect(readFileSync).toHaveBeenCalledTimes(2);
    for (const call of pooled) expect(call).not.toHaveBeenCalled();
  });

  it('go through the thread pool after a few slow synchronous calls in a row', async () => {
    const { store } = await storeWithOneConfig();
    const slowLstatSync = makeLstatSyncSlow();
    const pooledLstat = vi.spyOn(fsSync, 'lstat');
    for (let i = 0; i < 3; i++) await store.read(MAC);
    expect(slowLstatSync).toHaveBeenCalledTimes(3);
    expect(pooledLstat).not.toHaveBeenCalled();

    expect((await store.read(MAC)).summary.device_name).toBe('first');
    expect(slowLstatSync).toHaveBeenCalledTimes(3);
    expect(pooledLstat).toHaveBeenCalledTimes(1);
  });
});
