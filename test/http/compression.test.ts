import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DEFAULT_UI_ROOT } from '../../src/http/plugins/ui.js';
import { buildTestApp, sampleContent } from '../helpers/app.js';

const macOf = (i: number) => `02-00-00-00-00-${i.toString(16).padStart(2, '0')}`;

async function fleet(app: FastifyInstance, size: number) {
  for (let i = 0; i < size; i++) {
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${macOf(i)}`, payload: { content: sampleContent(`Device ${i}`) } });
    expect(res.statusCode).toBe(200);
  }
}

const decoders = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync } as const;

describe('compression', () => {
  it('compresses a JSON answer over 1 KiB with brotli or gzip as asked, decoding to the same JSON', async () => {
    const { app } = await buildTestApp();
    await fleet(app, 20);
    const plain = await app.inject('/api/configs');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);
    for (const encoding of ['br', 'gzip'] as const) {
      const res = await app.inject({ url: '/api/configs', headers: { 'accept-encoding': encoding } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers.vary).toMatch(/accept-encoding/i);
      expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
      expect(JSON.parse(decoders[encoding](res.rawPayload).toString('utf8'))).toEqual(plain.json());
    }
    const head = await app.inject({ method: 'HEAD', url: '/api/configs', headers: { 'accept-encoding': 'br' } });
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
  });

  it('leaves a small answer as it is', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: '/api/health', headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toMatchObject({ status: 'healthy' });
  });

  it('never compresses the device fetch: exact bytes, Content-Length, ETag and 304', async () => {
    const { app, dir } = await buildTestApp();
    const big = { ...sampleContent(), notes: 'x'.repeat(4000) };
    await app.inject({ method: 'PUT', url: `/api/configs/${macOf(1)}`, payload: { content: big } });
    const stored = fs.readFileSync(path.join(dir, `${macOf(1)}.json`));
    for (const url of [`/api/configs/${macOf(1)}.json`, `/esp32/config/${macOf(1)}.json`]) {
      const res = await app.inject({ url, headers: { 'accept-encoding': 'gzip, br' } });
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(Number(res.headers['content-length'])).toBe(stored.length);
      expect(res.rawPayload.equals(stored)).toBe(true);
      const again = await app.inject({ url, headers: { 'accept-encoding': 'gzip', 'if-none-match': res.headers.etag as string } });
      expect(again.statusCode).toBe(304);
      expect(again.rawPayload.length).toBe(0);
    }
  });

  it('keeps the ETag of a compressed config for If-Match', async () => {
    const { app } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${macOf(2)}`, payload: { content: { ...sampleContent(), notes: 'y'.repeat(4000) } } });
    const read = await app.inject({ url: `/api/configs/${macOf(2)}`, headers: { 'accept-encoding': 'gzip' } });
    expect(read.headers['content-encoding']).toBe('gzip');
    const save = await app.inject({ method: 'PUT', url: `/api/configs/${macOf(2)}`, headers: { 'if-match': read.headers.etag as string }, payload: { content: sampleContent() } });
    expect(save.statusCode).toBe(200);
  });

  it('sends the export archive as it is, never compressed twice', async () => {
    const { app } = await buildTestApp();
    await fleet(app, 5);
    const res = await app.inject({ url: '/api/export', headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(zlib.gunzipSync(res.rawPayload).length).toBeGreaterThan(0);
  });

  it.skipIf(!fs.existsSync(path.join(DEFAULT_UI_ROOT, 'index.html.br')))('serves the built UI files pre-compressed', async () => {
    const { app } = await buildTestApp();
    const script = fs.readdirSync(path.join(DEFAULT_UI_ROOT, 'assets')).find((name) => name.startsWith('react-') && name.endsWith('.js'))!;
    const original = fs.readFileSync(path.join(DEFAULT_UI_ROOT, 'assets', script));
    for (const encoding of ['br', 'gzip'] as const) {
      const res = await app.inject({ url: `/assets/${script}`, headers: { 'accept-encoding': encoding } });
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.rawPayload.equals(fs.readFileSync(path.join(DEFAULT_UI_ROOT, 'assets', `${script}.${encoding === 'br' ? 'br' : 'gz'}`)))).toBe(true);
      expect(decoders[encoding](res.rawPayload).equals(original)).toBe(true);
    }
    const page = await app.inject({ url: '/devices', headers: { 'accept-encoding': 'br' } });
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await app.inject({ url: '/index.html.br' })).statusCode).toBe(404);
  });
});
