import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC } from '../helpers/app.js';

const CSP = "default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;connect-src 'self';frame-ancestors 'none'";

/** helmet's headers that only change how a browser treats a page's content, with the values helmet gives them. */
const PAGE_ONLY: Record<string, string> = {
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

describe('security headers', () => {
  // The last one is a malformed URL, answered before routing (Fastify's frameworkErrors), where no hook runs.
  it.each(['/api/configs', `/api/configs/${MAC}.json`, '/api/health', '/api/docs/', '/api/docs/static/swagger-ui-bundle.js', '/devices', '/api/nothing-here', '/api/configs/%E0%A4%A'])(
    'are on %s',
    async (url) => {
      const { app } = await buildTestApp();
      const res = await app.inject({ url });
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      // Also on a JSON answer: opened in a tab, it is a page, and another origin that opened it keeps no handle on it.
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    },
  );

  it.each([
    [`/api/configs/${MAC}.json`, 200],
    [`/esp32/config/${MAC}.json`, 200],
    [`/api/configs/${MAC}`, 200],
    ['/api/configs', 200],
    ['/api/health', 200],
    ['/metrics', 200],
    ['/api/docs/openapi.json', 200],
    ['/api/nothing-here', 404],
  ])('leave out on %s, which is not a page, the headers only pages use', async (url, status) => {
    const { app } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { name: 'Hall' } } });
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(status);
    for (const name of Object.keys(PAGE_ONLY)) expect(res.headers[name], name).toBeUndefined();
  });

  it('are all on every page a browser is shown or sent to, and on no JSON answer to it', async () => {
    const { app } = await buildTestApp();
    const fromBrowser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const pages = ['/', '/devices', '/devices/new', `/devices/${MAC}`, '/no-such-page', '/devices/a/b', '/api/docs', '/api/docs/', '/api/docs/static/index.html'];
    for (const url of [...pages, '/api/nothing-here', `/api/configs/${MAC}`]) {
      const res = await app.inject({ url, headers: fromBrowser });
      const isPage = /^text\/html/.test(String(res.headers['content-type'])) || (res.statusCode >= 300 && res.statusCode < 400);
      expect(isPage, url).toBe(pages.includes(url));
      for (const [name, value] of Object.entries(PAGE_ONLY)) expect(res.headers[name], `${name} on ${url}`).toBe(isPage ? value : undefined);
    }
  });

  it("give the UI's and the docs' pages and files helmet's page-only headers too", async () => {
    const { app } = await buildTestApp();
    const index = await app.inject({ url: '/devices' });
    const script = /<script[^>]+src="(\/static\/[^"]+\.js)"/.exec(index.body)![1]!;
    const pages = [
      index,
      await app.inject({ url: script }),
      await app.inject({ url: '/favicon.svg' }),
      // An address the UI does not know, typed in a browser: its "Page not found".
      await app.inject({ url: '/no-such-page', headers: { accept: 'text/html' } }),
      await app.inject({ url: '/api/docs/' }),
      await app.inject({ url: '/api/docs/static/swagger-ui-bundle.js' }),
      await app.inject({ url: '/api/docs/static/swagger-initializer.js' }),
    ];
    for (const page of pages) {
      expect(page.statusCode).toBeLessThan(500);
      expect(page.headers['content-security-policy']).toBe(CSP);
      for (const [name, value] of Object.entries(PAGE_ONLY)) expect(page.headers[name], `${name} on a ${page.headers['content-type']}`).toBe(value);
    }
    expect(pages[3]!.statusCode).toBe(404);
    expect(pages[3]!.headers['content-type']).toMatch(/^text\/html/);
  });

  it('let Swagger UI work under the CSP: no inline script, every script and stylesheet from this origin', async () => {
    const { app } = await buildTestApp();
    const page = await app.inject({ url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(?:https?:)?\/\//);
      const res = await app.inject({ url: new URL(asset, 'http://x/api/docs/').pathname });
      expect(res.statusCode, asset).toBe(200);
    }
    // The initializer names no validator badge from another origin (img-src is 'self' data:).
    const init = await app.inject({ url: '/api/docs/static/swagger-initializer.js' });
    expect(init.body).toContain('validatorUrl: null');
  });
});

describe('CORS', () => {
  it('answers only the configured origins', async () => {
    const { app } = await buildTestApp({ CORS_ORIGINS: 'https://admin.example.org' });
    const allowed = await app.inject({ url: '/api/configs', headers: { origin: 'https://admin.example.org' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.org');
    const other = await app.inject({ url: '/api/configs', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a preflight through without a token when auth is on', async () => {
    const { app } = await buildTestApp({ CORS_ORIGINS: 'https://admin.example.org', ADMIN_TOKEN: 'admin-token-0123456789abcdef' });
    const res = await app.inject({
      method: 'OPTIONS',
      url: `/api/configs/${MAC}`,
      headers: { origin: 'https://admin.example.org', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.org');
  });

  it('is off by default', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: '/api/configs', headers: { origin: 'https://admin.example.org' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('per-client rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After past RATE_LIMIT_PER_MINUTE, per client address', async () => {
    const { app } = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
    const client = { remoteAddress: '198.51.100.4' };
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/api/configs', ...client })).statusCode).toBe(200);
    const limited = await app.inject({ url: `/api/configs/${MAC}.json`, ...client });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', error: expect.stringContaining('5 per minute'), correlationId: expect.any(String) });
    expect(limited.headers['x-request-id']).toBe(limited.json().correlationId);
    expect(limited.headers['x-content-type-options']).toBe('nosniff');
    // Every request counts, a path that does not exist too.
    expect((await app.inject({ url: '/api/nothing-here', ...client })).statusCode).toBe(429);
    expect((await app.inject({ url: '/api/configs', remoteAddress: '198.51.100.5' })).statusCode).toBe(200);
  });

  it('lets a page on an allowed origin read its 429, and does not count CORS preflights', async () => {
    const origin = 'https://admin.example.org';
    const { app } = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2', CORS_ORIGINS: origin });
    const client = { remoteAddress: '198.51.100.6' };
    for (let i = 0; i < 3; i++) {
      const preflight = await app.inject({ method: 'OPTIONS', url: '/api/configs', headers: { origin, 'access-control-request-method': 'GET' }, ...client });
      expect(preflight.statusCode).toBe(204);
    }
    for (let i = 0; i < 2; i++) expect((await app.inject({ url: '/api/configs', headers: { origin }, ...client })).statusCode).toBe(200);
    const limited = await app.inject({ url: '/api/configs', headers: { origin }, ...client });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['access-control-allow-origin']).toBe(origin);
    expect(limited.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
  });

  it('never refuses the health routes (probes), and does not count them', async () => {
    const { app } = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
    const kubelet = { remoteAddress: '10.0.0.7' };
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ url: '/api/health', ...kubelet })).statusCode).toBe(200);
      expect((await app.inject({ url: '/api/health/live', ...kubelet })).statusCode).toBe(200);
    }
    for (let i = 0; i < 2; i++) expect((await app.inject({ url: '/api/configs', ...kubelet })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/configs', ...kubelet })).statusCode).toBe(429);
    expect((await app.inject({ url: '/api/health?verbose=1', ...kubelet })).statusCode).toBe(200);
    // Only the probes' own routes: a path that merely starts alike counts like any other.
    for (const url of ['/api/healthz', '/api/health-check', '/api/health/livez']) expect((await app.inject({ url, ...kubelet })).statusCode).toBe(429);
  });

  it('exempts loopback clients (benchmarks, local scripts)', async () => {
    const { app } = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
    for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/api/health', remoteAddress })).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/api/configs', remoteAddress })).statusCode, remoteAddress).toBe(200);
    }
  });

  it('counts requests refused for a missing token too, and adds no headers of its own to answers', async () => {
    const { app } = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '2', ADMIN_TOKEN: 'admin-token-0123456789abcdef' });
    const client = { remoteAddress: '198.51.100.9' };
    for (let i = 0; i < 2; i++) {
      const refused = await app.inject({ url: '/api/configs', ...client });
      expect(refused.statusCode).toBe(401);
      expect(Object.keys(refused.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    }
    const limited = await app.inject({ url: '/api/configs', ...client });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0', async () => {
    const { app } = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '0' });
    for (let i = 0; i < 20; i++) expect((await app.inject({ url: '/api/health', remoteAddress: '198.51.100.6' })).statusCode).toBe(200);
  });
});
