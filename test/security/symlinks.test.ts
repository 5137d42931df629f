import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC, tempDir } from '../helpers/app.js';
import { lockFilePath, namesIn } from '../helpers/stored-names.js';

const SECRET = '{"secret": "outside the config directory"}\n';

/** A config directory whose `<MAC>.json` is a symlink to a file outside it. */
async function symlinkedConfig(): Promise<{ dir: string; outside: string; link: string }> {
  const dir = await tempDir();
  const outside = path.join(await tempDir('iot-outside-'), 'secret.json');
  await fs.writeFile(outside, SECRET);
  const link = path.join(dir, `${MAC}.json`);
  await fs.symlink(outside, link);
  return { dir, outside, link };
}

describe('a <mac>.json that is a symlink to a file outside the directory', () => {
  it('is never read: GET 422 INVALID_STORED_CONFIG, device routes 500, the list reports it in skipped', async () => {
    const { dir } = await symlinkedConfig();
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const get = await app.inject({ url: `/api/configs/${MAC}` });
    expect(get.statusCode).toBe(422);
    expect(get.json()).toMatchObject({ code: 'INVALID_STORED_CONFIG', details: { reason: expect.stringContaining('symbolic link'), raw: '' } });
    expect(get.body).not.toContain('outside the config directory');
    for (const url of [`/api/configs/${MAC}.json`, `/esp32/config/${MAC}.json`]) {
      const raw = await app.inject({ url });
      expect(raw.statusCode).toBe(500);
      expect(raw.body).not.toContain('outside the config directory');
    }
    const list = (await app.inject({ url: '/api/configs' })).json();
    expect(list.count).toBe(0);
    expect(list.skipped).toEqual([{ filename: `${MAC}.json`, reason: expect.stringContaining('symbolic link') }]);
  });

  it('is never written through: PUT replaces the link itself with a regular file', async () => {
    const { dir, outside, link } = await symlinkedConfig();
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { fresh: true } } });
    expect(put.statusCode).toBe(200);
    expect(await fs.readFile(outside, 'utf8')).toBe(SECRET);
    expect((await fs.lstat(link)).isFile()).toBe(true);
    expect(await fs.readFile(link, 'utf8')).toBe('{\n  "fresh": true\n}\n');
  });

  it('is refused by If-Match and rename, and DELETE removes only the link', async () => {
    const { dir, outside, link } = await symlinkedConfig();
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const conditional = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-match': '"anything"' }, payload: { content: {} } });
    expect(conditional.statusCode).toBe(412);
    const rename = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: '11-22-33-44-55-66' } });
    expect(rename.statusCode).toBe(422);
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}` })).statusCode).toBe(204);
    await expect(fs.lstat(link)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fs.readFile(outside, 'utf8')).toBe(SECRET);
  });

  it('a symlinked lock file is never written through either', async () => {
    const dir = await tempDir();
    const outside = path.join(await tempDir('iot-outside-'), 'victim');
    await fs.writeFile(outside, 'do not touch\n');
    const lock = await lockFilePath(dir, MAC);
    await fs.symlink(outside, lock);
    // Older than the 10 s staleness bound, so it is taken for a crashed writer's lock and broken (the link, not its target).
    const old = new Date(Date.now() - 60_000);
    await fs.lutimes(lock, old, old);
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { a: 1 } } });
    expect(res.statusCode).toBe(200);
    expect(await fs.readFile(outside, 'utf8')).toBe('do not touch\n');
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
  });
});
