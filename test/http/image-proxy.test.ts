import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadSettings } from '../../src/settings.js';
import { tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { spawnServer, waitForServer } from '../helpers/server-process.js';

/** Four known colours, one of them semi-transparent: red, green / blue, (16, 32, 48) at alpha 128. */
const FOUR_COLOURS = Buffer.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 16, 32, 48, 128]);
/**
 * What LVGLImage.py (`--cf ARGB8888`, no compression, align 1, no premultiply) writes for those pixels, worked out
 * by hand from its rules: magic 0x19, cf 0x10, flags 0, w 2, h 2, stride 8, reserved 0, all u16 little-endian;
 * then each pixel as the u32 A<<24|R<<16|G<<8|B, little-endian: B, G, R, A.
 */
const FOUR_COLOURS_LVGL = Buffer.from([
  0x19, 0x10, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00,
  0x00, 0x00, 0xff, 0xff, 0x00, 0xff, 0x00, 0xff,
  0xff, 0x00, 0x00, 0xff, 0x30, 0x20, 0x10, 0x80,
]);

const solid = (width: number, height: number, r: number, g: number, b: number) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } });

interface Upstream {
  base: string;
  /** The headers of the last request to `/seen.png`. */
  seen: http.IncomingHttpHeaders | undefined;
}

const upstream: Upstream = { base: '', seen: undefined };
const forgetSeen = () => {
  upstream.seen = undefined;
};
let server: http.Server;

beforeAll(async () => {
  const images: Record<string, Buffer> = {
    '/four.png': await sharp(FOUR_COLOURS, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer(),
    '/wide.png': await solid(400, 300, 10, 200, 30).png().toBuffer(),
    '/wide.jpg': await solid(400, 300, 200, 100, 50).jpeg({ quality: 95 }).toBuffer(),
    '/small.png': await solid(50, 40, 1, 2, 3).png().toBuffer(),
  };
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const image = images[url.pathname];
    if (image) return response.writeHead(200, { 'content-type': 'image/png' }).end(image);
    switch (url.pathname) {
      case '/seen.png':
        upstream.seen = request.headers;
        return response.writeHead(200).end(images['/small.png']);
      case '/fail':
        return response.writeHead(500).end('boom');
      case '/slow':
        return; // never answers
      case '/endless': {
        // No Content-Length, and no end: only a reader that stops counting stops this.
        response.writeHead(200, { 'content-type': 'image/png' });
        const chunk = Buffer.alloc(64 * 1024, 0x41);
        const write = () => {
          while (!response.destroyed && response.write(chunk));
        };
        response.on('drain', write);
        return write();
      }
      case '/declared':
        // Declares more than the limit and sends a few bytes: refused on the header, without waiting for the rest.
        response.writeHead(200, { 'content-length': String(50 * 1_048_576) });
        return response.write(Buffer.alloc(16));
      case '/text':
        return response.writeHead(200, { 'content-type': 'text/html' }).end('<html>not an image</html>');
      case '/redirect':
        return response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
      case '/loop':
        return response.writeHead(301, { location: '/loop' }).end();
      default:
        return response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The real app with `env`, and the fetch timeout shortened to `timeoutMs`. */
async function appWith(env: Record<string, string> = {}, timeoutMs = 10_000): Promise<FastifyInstance> {
  const settings = loadSettings({ LOG_LEVEL: 'silent', ...env, ESP32_CONFIGS_DIR: await tempDir() });
  const app = await buildApp({ ...settings, imageProxy: { ...settings.imageProxy, fetchTimeoutMs: timeoutMs } });
  onTestFinished(() => app.close());
  await app.ready();
  return app;
}

const lvglUrl = (params: Record<string, string>) => `/api/images/lvgl?${new URLSearchParams(params).toString()}`;

/** The header fields of an LVGL binary image. */
function header(body: Buffer) {
  return { magic: body[0], cf: body[1], flags: body.readUInt16LE(2), width: body.readUInt16LE(4), height: body.readUInt16LE(6), stride: body.readUInt16LE(8), reserved: body.readUInt16LE(10) };
}

describe('GET /api/images/lvgl', () => {
  it('answers a PNG as the bytes LVGLImage.py writes for it, alpha kept straight', async () => {
    const app = await appWith();
    const response = await app.inject({ url: lvglUrl({ url: `${upstream.base}/four.png` }) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.rawPayload).toEqual(FOUR_COLOURS_LVGL);
  });

  it('shrinks a 400×300 JPEG into 100×100 as 100×75, keeping its colour', async () => {
    const app = await appWith();
    const response = await app.inject({ url: lvglUrl({ url: `${upstream.base}/wide.jpg`, width: '100', height: '100' }) });
    expect(response.statusCode).toBe(200);
    const body = response.rawPayload;
    expect(header(body)).toEqual({ magic: 0x19, cf: 0x10, flags: 0, width: 100, height: 75, stride: 400, reserved: 0 });
    expect(body.length).toBe(12 + 400 * 75);
    // The middle pixel, B, G, R, A: JPEG is lossy, so within a few steps of (200, 100, 50).
    const at = 12 + 37 * 400 + 50 * 4;
    const [b, g, r, a] = body.subarray(at, at + 4);
    expect(Math.abs(r! - 200)).toBeLessThanOrEqual(3);
    expect(Math.abs(g! - 100)).toBeLessThanOrEqual(3);
    expect(Math.abs(b! - 50)).toBeLessThanOrEqual(3);
    expect(a).toBe(255);
  });

  it('fits a PNG by width alone or height alone, and never enlarges one', async () => {
    const app = await appWith();
    const sizeOf = async (params: Record<string, string>) => {
      const response = await app.inject({ url: lvglUrl(params) });
      expect(response.statusCode).toBe(200);
      const { width, height, stride } = header(response.rawPayload);
      expect(stride).toBe(width * 4);
      expect(response.rawPayload.length).toBe(12 + stride * height);
      return [width, height];
    };
    expect(await sizeOf({ url: `${upstream.base}/wide.png`, width: '100' })).toEqual([100, 75]);
    expect(await sizeOf({ url: `${upstream.base}/wide.png`, height: '30' })).toEqual([40, 30]);
    expect(await sizeOf({ url: `${upstream.base}/wide.png`, width: '1000', height: '30' })).toEqual([40, 30]);
    expect(await sizeOf({ url: `${upstream.base}/small.png`, width: '200', height: '200' })).toEqual([50, 40]);
    // A solid PNG stays exactly its colour through the shrink: B, G, R, A.
    const response = await app.inject({ url: lvglUrl({ url: `${upstream.base}/wide.png`, width: '100' }) });
    expect([...response.rawPayload.subarray(12 + 400 * 10 + 40, 12 + 400 * 10 + 44)]).toEqual([30, 200, 10, 255]);
  });

  it('sends the named headers on to the image host', async () => {
    const app = await appWith();
    forgetSeen();
    const response = await app.inject({
      url: lvglUrl({ url: `${upstream.base}/seen.png`, headers: 'Authorization, X-Api-Key' }),
      headers: { authorization: 'Bearer upstream-secret', 'x-api-key': 'k1', cookie: 'not-sent' },
    });
    expect(response.statusCode).toBe(200);
    expect(upstream.seen?.authorization).toBe('Bearer upstream-secret');
    expect(upstream.seen?.['x-api-key']).toBe('k1');
    expect(upstream.seen?.cookie).toBeUndefined();
  });

  it('refuses a request without url, with a bad size or a non-http scheme, and names a missing header', async () => {
    const app = await appWith();
    const cases: [Record<string, string>, string][] = [
      [{}, 'url'],
      [{ url: `${upstream.base}/four.png`, width: '0' }, 'width'],
      [{ url: `${upstream.base}/four.png`, height: 'ten' }, 'height'],
      [{ url: 'file:///etc/passwd' }, 'url'],
      [{ url: 'ftp://127.0.0.1/image.png' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: `${upstream.base}/four.png`, headers: 'X-Missing' }, 'headers'],
      [{ url: `${upstream.base}/four.png`, headers: 'Host' }, 'headers'],
    ];
    for (const [params, field] of cases) {
      const response = await app.inject({ url: lvglUrl(params) });
      expect(response.statusCode, JSON.stringify(params)).toBe(400);
      const body = response.json();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.details.errors[0].field).toBe(field);
    }
    const missing = await app.inject({ url: lvglUrl({ url: `${upstream.base}/four.png`, headers: 'X-Missing' }) });
    expect(missing.json().error).toContain('X-Missing');
  });

  it('answers 502 UPSTREAM_FAILED for an upstream error, a host that is down, a timeout and a body that is no image', async () => {
    const app = await appWith({}, 300);
    const down = `http://127.0.0.1:${await freePort()}/image.png`;
    const cases: [string, string][] = [
      [`${upstream.base}/fail`, 'status'],
      [down, 'unreachable'],
      [`${upstream.base}/slow`, 'timeout'],
      [`${upstream.base}/text`, 'undecodable'],
      [`${upstream.base}/loop`, 'too_many_redirects'],
    ];
    for (const [url, reason] of cases) {
      const started = Date.now();
      const response = await app.inject({ url: lvglUrl({ url }) });
      expect(response.statusCode, url).toBe(502);
      expect(response.json()).toMatchObject({ code: 'UPSTREAM_FAILED', details: { reason } });
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    const failed = await app.inject({ url: lvglUrl({ url: `${upstream.base}/fail` }) });
    expect(failed.json().details.status).toBe(500);
  });

  it('stops reading a body past MAX_IMAGE_BYTES, whatever it declares', async () => {
    const app = await appWith({ MAX_IMAGE_BYTES: '100000' });
    const response = await app.inject({ url: lvglUrl({ url: `${upstream.base}/endless` }) });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toMatchObject({ code: 'UPSTREAM_FAILED', details: { reason: 'too_large', limit_bytes: 100000 } });
    const declared = await app.inject({ url: lvglUrl({ url: `${upstream.base}/declared` }) });
    expect(declared.json()).toMatchObject({ code: 'UPSTREAM_FAILED', details: { reason: 'too_large' } });
  });

  it('fetches only from the allowed host names and ranges, redirects included', async () => {
    const port = new URL(upstream.base).port;
    const byName = await appWith({ IMAGE_PROXY_ALLOWED_HOSTS: 'LocalHost, images.example.org' });
    expect((await byName.inject({ url: lvglUrl({ url: `http://localhost:${port}/four.png` }) })).statusCode).toBe(200);
    const literal = await byName.inject({ url: lvglUrl({ url: `${upstream.base}/four.png` }) });
    expect(literal.statusCode).toBe(403);
    expect(literal.json()).toMatchObject({ code: 'HOST_NOT_ALLOWED', details: { host: '127.0.0.1', redirected: false } });
    const redirected = await byName.inject({ url: lvglUrl({ url: `http://localhost:${port}/redirect?to=${encodeURIComponent(`${upstream.base}/four.png`)}` }) });
    expect(redirected.statusCode).toBe(403);
    expect(redirected.json()).toMatchObject({ code: 'HOST_NOT_ALLOWED', details: { host: '127.0.0.1', redirected: true } });

    // A range lets in a name by every address it resolves to, and an address literal by itself.
    const byRange = await appWith({ IMAGE_PROXY_ALLOWED_HOSTS: '127.0.0.0/8,::1/128' });
    expect((await byRange.inject({ url: lvglUrl({ url: `http://localhost:${port}/four.png` }) })).statusCode).toBe(200);
    const followed = await byRange.inject({ url: lvglUrl({ url: `${upstream.base}/redirect?to=/four.png` }) });
    expect(followed.rawPayload).toEqual(FOUR_COLOURS_LVGL);
    const elsewhere = await appWith({ IMAGE_PROXY_ALLOWED_HOSTS: '10.0.0.0/8' });
    for (const host of ['localhost', '127.0.0.1']) {
      const response = await elsewhere.inject({ url: lvglUrl({ url: `http://${host}:${port}/four.png` }) });
      expect(response.statusCode, host).toBe(403);
    }
  });

  it('does not send forwarded headers on to another origin after a redirect', async () => {
    const app = await appWith();
    const port = new URL(upstream.base).port;
    forgetSeen();
    const to = `http://localhost:${port}/seen.png`;
    const response = await app.inject({ url: lvglUrl({ url: `${upstream.base}/redirect?to=${encodeURIComponent(to)}`, headers: 'Authorization' }), headers: { authorization: 'Bearer x' } });
    expect(response.statusCode).toBe(200);
    expect(upstream.seen).toBeDefined();
    expect(upstream.seen?.authorization).toBeUndefined();
  });

  it('is described in the OpenAPI document as a binary answer with its errors', async () => {
    const app = await appWith();
    const route = (await app.inject({ url: '/api/docs/openapi.json' })).json().paths['/api/images/lvgl'].get;
    expect(route.operationId).toBe('getLvglImage');
    expect(Object.keys(route.responses['200'].content)).toEqual(['application/octet-stream']);
    expect(Object.keys(route.responses).sort()).toEqual(['200', '400', '401', '403', '429', '500', '502']);
    expect(route.parameters.map((each: { name: string }) => each.name).sort()).toEqual(['headers', 'height', 'url', 'width']);
  });

  it('is not there with IMAGE_PROXY_ENABLED=false', async () => {
    const app = await appWith({ IMAGE_PROXY_ENABLED: 'false' });
    const response = await app.inject({ url: lvglUrl({ url: `${upstream.base}/four.png` }) });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('ROUTE_NOT_FOUND');
    const doc = (await app.inject({ url: '/api/docs/openapi.json' })).json();
    expect(doc.paths['/api/images/lvgl']).toBeUndefined();
  });

  it('needs the device token once DEVICE_TOKEN is set, and never forwards it', async () => {
    const token = 'device-token-0123456789';
    const app = await appWith({ DEVICE_TOKEN: token });
    const url = lvglUrl({ url: `${upstream.base}/four.png` });
    expect((await app.inject({ url })).statusCode).toBe(401);
    const authorized = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    expect(authorized.rawPayload).toEqual(FOUR_COLOURS_LVGL);
    const forwarding = await app.inject({ url: lvglUrl({ url: `${upstream.base}/seen.png`, headers: 'Authorization' }), headers: { authorization: `Bearer ${token}` } });
    expect(forwarding.statusCode).toBe(400);
    expect(forwarding.json().error).toContain('DEVICE_TOKEN');
  });

  it('never forwards a header that holds an admin token, while forwarding other Authorization headers', async () => {
    const admin = 'admin-token-0123456789abcdef';
    const app = await appWith({ ADMIN_TOKEN: admin });
    const leaking = await app.inject({ url: lvglUrl({ url: `${upstream.base}/seen.png`, headers: 'Authorization' }), headers: { authorization: `Bearer ${admin}` } });
    expect(leaking.statusCode).toBe(400);
    expect(leaking.json().error).toContain('token of this service');
    const upstreamToken = await app.inject({ url: lvglUrl({ url: `${upstream.base}/seen.png`, headers: 'Authorization' }), headers: { authorization: 'Bearer home-assistant' } });
    expect(upstreamToken.statusCode).toBe(200);
    expect(upstream.seen?.authorization).toBe('Bearer home-assistant');
  });

  it('counts its outcomes as the image_proxy operation', async () => {
    const app = await appWith();
    await app.inject({ url: lvglUrl({ url: `${upstream.base}/four.png` }) });
    await app.inject({ url: lvglUrl({ url: `${upstream.base}/fail` }) });
    await app.inject({ url: lvglUrl({}) });
    await app.inject({ url: lvglUrl({ url: `${upstream.base}/four.png`, headers: 'X-Missing' }) });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('iot_config_operations_total{operation="image_proxy",status="success"} 1');
    expect(text).toContain('iot_config_operations_total{operation="image_proxy",status="upstream_error"} 1');
    expect(text).toContain('iot_config_operations_total{operation="image_proxy",status="invalid_body"} 2');
    // The old backend's own metrics, which count only what reaches the handler.
    expect(text).toContain('iot_image_proxy_operations_total{status="success",error_type="none"} 1');
    expect(text).toContain('iot_image_proxy_operations_total{status="error",error_type="external_fetch_failed"} 1');
    expect(text).toContain('iot_image_proxy_image_size_bytes_count 1');
    expect(text).toContain('iot_image_proxy_operations_total{status="error",error_type="missing_header"} 1');
    expect(text).toContain('iot_image_proxy_operation_duration_seconds_count 3');
  });

  it('warns at start-up when any host may be fetched from, and only then', async () => {
    const warning = 'IMAGE_PROXY_ALLOWED_HOSTS is not set';
    const open = spawnServer({ ESP32_CONFIGS_DIR: await tempDir(), PORT: String(await freePort()) });
    const limited = spawnServer({ ESP32_CONFIGS_DIR: await tempDir(), PORT: String(await freePort()), IMAGE_PROXY_ALLOWED_HOSTS: 'images.example.org' });
    await Promise.all([waitForServer(open, 60_000), waitForServer(limited, 60_000)]);
    expect(open.output()).toContain(warning);
    expect(limited.output()).not.toContain(warning);
  }, 90_000);
});
