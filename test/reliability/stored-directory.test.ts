import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC } from '../helpers/app.js';
import { namesIn } from '../helpers/stored-names.js';

// Regression: the faults phase of the reliability suite found that a <mac>.json replaced by a directory
// made PUT and DELETE fail with an opaque 500 "Storage failure while trying to save config".
describe('a <mac>.json that is a directory', () => {
  it('is refused by PUT and DELETE with 409 INVALID_STORED_CONFIG naming the problem, and left alone', async () => {
    const { app, dir } = await buildTestApp();
    const stray = path.join(dir, `${MAC}.json`);
    await fs.mkdir(stray);
    await fs.writeFile(path.join(stray, 'keep'), 'x');
    for (const [method, payload] of [['PUT', { content: { a: 1 } }], ['DELETE', undefined]] as const) {
      const res = await app.inject({ method, url: `/api/configs/${MAC}`, ...(payload ? { payload } : {}) });
      expect(res.statusCode, method).toBe(409);
      expect(res.json()).toMatchObject({ code: 'INVALID_STORED_CONFIG', error: expect.stringContaining('not a regular file'), details: { mac_address: MAC } });
    }
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
    expect(await fs.readFile(path.join(stray, 'keep'), 'utf8')).toBe('x');
    const get = await app.inject({ url: `/api/configs/${MAC}` });
    expect(get.statusCode).toBe(422);
    await fs.rm(stray, { recursive: true });
    expect((await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { a: 1 } } })).statusCode).toBe(200);
  });
});
