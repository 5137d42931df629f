import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC } from '../helpers/app.js';

describe('a JSON body with a key twice in one object', () => {
  it.each([
    ['at the top of the content', '{"content": {"dup": 3, "dup": 4}}', 'dup', '/content/dup'],
    ['deep in an array', '{"content": {"sensors": [{"pin": 1}, {"pin": 2, "pin": 3}]}}', 'pin', '/content/sensors/1/pin'],
    ['spelt with an escape', '{"content": {"ab": 1, "a\\u0062": 2}}', 'ab', '/content/ab'],
    ['with characters a pointer escapes', '{"content": {"a/b~": 1, "a/b~": 2}}', 'a/b~', '/content/a~1b~0'],
    ['in the envelope itself', '{"content": {}, "content": {"x": 1}}', 'content', '/content'],
  ])('is refused %s: 400 VALIDATION_FAILED naming the key and its pointer, nothing written', async (_case, payload, key, pointer) => {
    const { app, dir } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.error).toContain(JSON.stringify(key));
    expect(body.error).toContain(pointer);
    expect(body.details.errors).toEqual([expect.objectContaining({ pointer })]);
    await expect(fs.access(path.join(dir, `${MAC}.json`))).rejects.toThrow();
  });

  it('leaves equal keys in different objects, and a key inside a string, alone', async () => {
    const { app, dir } = await buildTestApp();
    const payload = '{"content": {"a": {"x": 1}, "b": {"x": 2}, "c": "{\\"x\\": 1, \\"x\\": 2}"}}';
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8'))).toEqual({ a: { x: 1 }, b: { x: 2 }, c: '{"x": 1, "x": 2}' });
  });
});

describe('a JSON body in another charset', () => {
  it.each(['latin1', 'ISO-8859-1', 'utf-16'])('(%s) is answered 415 and nothing is written', async (charset) => {
    const { app, dir } = await buildTestApp();
    const res = await app.inject({
      method: 'PUT',
      url: `/api/configs/${MAC}`,
      headers: { 'content-type': `application/json; charset=${charset}` },
      payload: Buffer.from('{"content": {"deviceName": "Caf\xe9"}}', 'latin1'),
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', error: expect.stringContaining('UTF-8') });
    await expect(fs.access(path.join(dir, `${MAC}.json`))).rejects.toThrow();
  });

  it.each(['utf-8', 'UTF-8', 'utf8', '"utf-8"'])('is taken when it says %s', async (charset) => {
    const { app } = await buildTestApp();
    const res = await app.inject({
      method: 'PUT',
      url: `/api/configs/${MAC}`,
      headers: { 'content-type': `application/json; charset=${charset}` },
      payload: { content: { deviceName: 'Café' } },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('a request whose body stalls half-way', () => {
  it('is answered 408 REQUEST_TIMEOUT and closed within 15 s, with nothing written', async () => {
    const { app, dir } = await buildTestApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as net.AddressInfo;
    const body = JSON.stringify({ content: { deviceName: 'Stalled' } });
    const started = performance.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      const timer = setTimeout(() => socket.destroy(new Error('still open after 15 s')), 15_000);
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(received);
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        if (received !== '') resolve(received);
        else reject(error);
      });
      socket.write(`PUT /api/configs/${MAC} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    await expect(fs.access(path.join(dir, `${MAC}.json`))).rejects.toThrow();
  }, 20_000);
});
