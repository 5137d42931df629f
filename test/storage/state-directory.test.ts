import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FsCalls } from '../../src/storage/fs-calls.js';
import { STATE_DIR_NAME, statePaths, stateSubdirectory } from '../../src/storage/state-directory.js';
import { buildTestApp, MAC, tempDir } from '../helpers/app.js';
import { isLiveLockToken } from '../helpers/stored-names.js';

const OTHER = '11-22-33-44-55-66';
const THIRD = '22-33-44-55-66-77';
/** Above Linux's largest pid: no process has it. */
const DEAD_PID = 2 ** 22 + 7;

const put = (mac: string, content: unknown) => ({ method: 'PUT' as const, url: `/api/configs/${mac}`, payload: { content } });

afterEach(() => {
  vi.restoreAllMocks();
});

/** The paths of the files the store creates or links (temp files, lock tokens, locks) from now on. */
function filesMade(): string[] {
  const made: string[] = [];
  const { open, link } = FsCalls.prototype;
  vi.spyOn(FsCalls.prototype, 'open').mockImplementation(async function (this: FsCalls, file, flags, mode) {
    if (flags & fsSync.constants.O_CREAT) made.push(file);
    return open.call(this, file, flags, mode);
  });
  vi.spyOn(FsCalls.prototype, 'link').mockImplementation(async function (this: FsCalls, existing, newPath) {
    made.push(newPath);
    return link.call(this, existing, newPath);
  });
  return made;
}

describe('the state directory', () => {
  it('after saves, renames and deletes through the API, is the only thing in the config directory besides configs, and holds every other file made', async () => {
    const { app, dir } = await buildTestApp();
    const made = filesMade();
    expect((await app.inject(put(MAC, { deviceName: 'first' }))).statusCode).toBe(200);
    expect((await app.inject(put(OTHER, { deviceName: 'other' }))).statusCode).toBe(200);
    const updates = await Promise.all(Array.from({ length: 10 }, (_, i) => app.inject(put(MAC, { deviceName: `update ${i}` }))));
    expect(updates.map((res) => res.statusCode)).toEqual(Array(10).fill(200));
    const rename = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: THIRD } });
    expect(rename.statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${OTHER}` })).statusCode).toBe(204);

    expect((await fs.readdir(dir)).sort()).toEqual([STATE_DIR_NAME, `${THIRD}.json`]);
    const { root, tmp, locks } = statePaths(dir);
    expect((await fs.readdir(root)).sort()).toEqual(['history', 'locks', 'tmp']);
    expect(await fs.readdir(tmp)).toEqual([]);
    const idle = await fs.readdir(locks);
    expect(idle.length).toBeGreaterThan(0);
    expect(idle.filter((name) => !isLiveLockToken(name))).toEqual([]);
    // Temp files in tmp/, tokens and locks in locks/ (versions are renamed into history/ from tmp/): nothing else
    // was ever made in the config directory.
    expect(new Set(made.map((file) => path.dirname(file)))).toEqual(new Set([tmp, locks]));
    expect((await fs.readdir(path.join(root, 'history'))).sort()).toEqual([MAC, OTHER, THIRD].sort());

    // Listed neither as a config nor as a skipped file.
    await app.configStore.refreshListing();
    const list = (await app.inject('/api/configs')).json();
    expect(list).toMatchObject({ count: 1, skipped: [] });

    await app.close();
    expect(await fs.readdir(locks)).toEqual([]);
  });

  it('is made again when removed while the service runs', async () => {
    const { app, dir } = await buildTestApp();
    expect((await app.inject(put(MAC, { v: 1 }))).statusCode).toBe(200);
    const { root } = statePaths(dir);
    // Idle lock tokens this process keeps for reuse go with it.
    await fs.rm(root, { recursive: true });
    expect((await app.inject(put(MAC, { v: 2 }))).statusCode).toBe(200);
    await fs.rm(root, { recursive: true });
    const rename = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: OTHER } });
    expect(rename.statusCode).toBe(200);
    await fs.rm(root, { recursive: true });
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${OTHER}` })).statusCode).toBe(204);
    expect((await app.inject(put(MAC, { v: 3 }))).statusCode).toBe(200);
    // Or only a part of it.
    await fs.rm(path.join(root, 'tmp'), { recursive: true });
    expect((await app.inject(put(MAC, { v: 4 }))).statusCode).toBe(200);

    expect(JSON.parse(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8'))).toEqual({ v: 4 });
    expect((await fs.readdir(dir)).sort()).toEqual([STATE_DIR_NAME, `${MAC}.json`]);
    expect(await fs.readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('is never made when the config directory is missing: a save gives 503 STORAGE_UNAVAILABLE and makes nothing', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'configs');
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const res = await app.inject(put(MAC, { v: 1 }));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(await fs.readdir(parent)).toEqual([]);

    // Nor when it goes away after writes made the state directory.
    await fs.mkdir(dir);
    expect((await app.inject(put(MAC, { v: 1 }))).statusCode).toBe(200);
    await fs.rm(dir, { recursive: true });
    const lost = await app.inject(put(MAC, { v: 2 }));
    expect(lost.statusCode).toBe(503);
    expect(lost.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(await fs.readdir(parent)).toEqual([]);
  });
});

describe('start-up clean-up', () => {
  it('removes a temp file of a dead writer from the state directory, and keeps the fresh ones of live or unknown writers', async () => {
    const dir = await tempDir();
    const { tmp } = statePaths(dir);
    await fs.mkdir(tmp, { recursive: true });
    const host = os.hostname();
    const dead = `.${MAC}.json.${host}.${DEAD_PID}.0123456789ab.0.tmp`;
    // A write in flight in another process on this host (our parent is alive), and one on another host.
    const live = `.${MAC}.json.${host}.${process.ppid}.abcdefabcdef.0.tmp`;
    const elsewhere = `.${MAC}.json.other-host.42.dddddddddddd.0.tmp`;
    for (const name of [dead, live, elsewhere]) await fs.writeFile(path.join(tmp, name), '{"partial');

    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    await app.configStore.refreshListing();
    expect((await fs.readdir(tmp)).sort()).toEqual([elsewhere, live].sort());
  });

  it('removes what earlier versions left in the config directory itself, and makes no state directory to do so', async () => {
    const dir = await tempDir();
    const host = os.hostname();
    const leftovers = [
      `.${MAC}.json.${host}.${DEAD_PID}.0123456789ab.0.tmp`,
      `.owner.lock.${host}.${DEAD_PID}.0123456789ab.1.tmp`,
    ];
    for (const name of leftovers) await fs.writeFile(path.join(dir, name), '{}');
    await fs.writeFile(path.join(dir, `.${OTHER}.lock`), JSON.stringify({ host, pid: DEAD_PID, instance: '0123456789ab' }));
    await fs.writeFile(path.join(dir, `${MAC}.json`), '{"deviceName": "kept"}\n');

    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    await app.configStore.refreshListing();
    expect(await fs.readdir(dir)).toEqual([`${MAC}.json`]);
  });
});

describe('stateSubdirectory', () => {
  it('makes a named part of the state directory on demand, and again when it is gone', async () => {
    const dir = await tempDir();
    const history = await stateSubdirectory(dir, 'history');
    expect(history).toBe(path.join(dir, STATE_DIR_NAME, 'history'));
    expect((await fs.stat(history)).isDirectory()).toBe(true);
    expect(await stateSubdirectory(dir, 'history')).toBe(history);
    await fs.rm(statePaths(dir).root, { recursive: true });
    expect((await fs.stat(await stateSubdirectory(dir, 'history'))).isDirectory()).toBe(true);
  });

  it('never makes the config directory, and refuses a name that is not a plain one', async () => {
    const parent = await tempDir();
    await expect(stateSubdirectory(path.join(parent, 'configs'), 'history')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fs.readdir(parent)).toEqual([]);
    for (const name of ['', '..', '../x', 'a/b', '.hidden']) await expect(stateSubdirectory(parent, name)).rejects.toThrow('Not a state subdirectory name');
  });
});
