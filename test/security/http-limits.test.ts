import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { serverOptions } from '../../src/app.js';
import { loadSettings } from '../../src/settings.js';
import { buildTestApp, MAC } from '../helpers/app.js';

/** Sends raw bytes to a listening app and resolves with everything it answers before closing. */
async function rawExchange(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('no answer within 5 s')), 5_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(request);
  });
}

async function listeningApp(env: Record<string, string> = {}): Promise<number> {
  const { app } = await buildTestApp(env);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as net.AddressInfo).port;
}

function envelopeOf(response: string): { status: number; body: Record<string, unknown> } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
  const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  return { status, body };
}

describe('server limits', () => {
  it('are set explicitly in serverOptions', () => {
    const options = serverOptions(loadSettings({ MAX_BODY_BYTES: '4096' }));
    expect(options).toMatchObject({ bodyLimit: 4096, connectionTimeout: 30_000, requestTimeout: 10_000, keepAliveTimeout: 72_000 });
    expect(options.http).toMatchObject({ maxHeaderSize: 16_384, headersTimeout: 10_000, requestTimeout: 10_000 });
    expect(options.clientErrorHandler).toBeTypeOf('function');
  });

  it('answers headers over 16 KiB with 431 in the error envelope', async () => {
    const port = await listeningApp();
    const response = await rawExchange(port, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const { status, body } = envelopeOf(response);
    expect(status).toBe(431);
    expect(body).toMatchObject({ code: 'HEADERS_TOO_LARGE', error: expect.any(String), details: {}, correlationId: expect.any(String) });
  });

  it('answers a Transfer-Encoding that does not end in chunked with 400 and closes, on any route', async () => {
    const port = await listeningApp();
    for (const [method, path] of [['OPTIONS', '//api/configs/.4e82EA.json'], ['GET', '/api/health'], ['PUT', `/api/configs/${MAC}`]] as const) {
      // A second request follows on the same connection: it must not be read as the first one's body.
      const response = await rawExchange(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(response.match(/^HTTP\/1\.1 /gm), response).toHaveLength(1);
      expect(response).toMatch(/\r\nconnection: close\r\n/i);
      expect(response).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
      const { status, body } = envelopeOf(response);
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'BAD_REQUEST', error: expect.stringContaining('Transfer-Encoding'), correlationId: expect.any(String) });
    }
    const chunked = await rawExchange(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n');
    expect(envelopeOf(chunked).status).toBe(200);
  });

  it('answers malformed HTTP with 400 in the error envelope, with the security headers', async () => {
    const port = await listeningApp();
    for (const request of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 'GET /\0 HTTP/1.1\r\n\r\n']) {
      const response = await rawExchange(port, request);
      const { status, body } = envelopeOf(response);
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'BAD_REQUEST', correlationId: expect.any(String) });
      expect(response).toMatch(/\r\ncontent-security-policy: default-src 'self';/i);
      expect(response).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    }
  });

  it('answers bodies over MAX_BODY_BYTES with 413 in the envelope, without reading the rest', async () => {
    const port = await listeningApp({ MAX_BODY_BYTES: '2048' });
    const body = JSON.stringify({ content: { pad: 'x'.repeat(4096) } });
    const response = await rawExchange(
      port,
      `PUT /api/configs/${MAC} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    const { status, body: envelope } = envelopeOf(response.replace(/\r\n0\r\n\r\n$/, ''));
    expect(status).toBe(413);
    expect(envelope).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('an overlong URL segment', () => {
  it('gets 414 URI_TOO_LONG with a short message that does not repeat the URL', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: `/api/configs/${'a'.repeat(5000)}` });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toMatchObject({ code: 'URI_TOO_LONG', error: expect.stringContaining('256'), correlationId: expect.any(String) });
    expect(res.body.length).toBeLessThan(400);
  });
});
