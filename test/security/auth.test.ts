import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/settings.js';
import { bearerToken, defaultAccess, tokenMatches } from '../../src/http/plugins/auth.js';
import { buildTestApp, MAC, sampleContent, tempDir } from '../helpers/app.js';
import { namesIn } from '../helpers/stored-names.js';

const ADMIN = 'admin-token-0123456789abcdef';
const OTHER_ADMIN = 'rotated-token-fedcba9876543210';
const DEVICE = 'device-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectUnauthorized(res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }): void {
  expect(res.statusCode).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer realm="iot-config-manager"');
  expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', error: expect.any(String), details: {}, correlationId: expect.any(String) });
}

async function seed(dir: string): Promise<void> {
  await fs.writeFile(path.join(dir, `${MAC}.json`), `${JSON.stringify(sampleContent(), null, 2)}\n`);
}

describe('without tokens', () => {
  it('leaves every route open', async () => {
    const { app, dir } = await buildTestApp();
    await seed(dir);
    expect((await app.inject({ url: '/api/configs' })).statusCode).toBe(200);
    expect((await app.inject({ url: `/api/configs/${MAC}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { a: 1 } } })).statusCode).toBe(200);
  });
});

describe('with ADMIN_TOKEN', () => {
  const adminRoutes = [
    { method: 'GET', url: '/api/configs' },
    { method: 'HEAD', url: '/api/configs' },
    { method: 'GET', url: `/api/configs/${MAC}` },
    { method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { a: 1 } } },
    { method: 'DELETE', url: `/api/configs/${MAC}` },
    { method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: '11-22-33-44-55-66' } },
  ] as const;

  it('answers 401 with the envelope and WWW-Authenticate on every admin route without a token, and changes nothing', async () => {
    const { app, dir } = await buildTestApp({ ADMIN_TOKEN: ADMIN });
    await seed(dir);
    const before = await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8');
    for (const route of adminRoutes) {
      const res = await app.inject({ ...route });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="iot-config-manager"');
      if (route.method !== 'HEAD') expectUnauthorized(res);
    }
    expect(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toBe(before);
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
  });

  it('answers 401 to a wrong token, a wrong scheme and a device token', async () => {
    const { app } = await buildTestApp({ ADMIN_TOKEN: ADMIN, DEVICE_TOKEN: DEVICE });
    for (const authorization of [`Bearer ${ADMIN}x`, `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`, ADMIN, 'Bearer', `Bearer ${DEVICE}`]) {
      expectUnauthorized(await app.inject({ url: '/api/configs', headers: { authorization } }));
    }
  });

  it('lets the admin token through on every admin route (scheme in any case)', async () => {
    const { app, dir } = await buildTestApp({ ADMIN_TOKEN: ADMIN });
    await seed(dir);
    expect((await app.inject({ url: '/api/configs', headers: bearer(ADMIN) })).statusCode).toBe(200);
    expect((await app.inject({ url: `/api/configs/${MAC}`, headers: { authorization: `bearer ${ADMIN}` } })).statusCode).toBe(200);
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: bearer(ADMIN), payload: { content: { a: 1 } } });
    expect(put.statusCode).toBe(200);
    expect(put.headers['www-authenticate']).toBeUndefined();
    const rename = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, headers: bearer(ADMIN), payload: { new_mac_address: '11-22-33-44-55-66' } });
    expect(rename.statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/configs/11-22-33-44-55-66', headers: bearer(ADMIN) })).statusCode).toBe(204);
  });

  it('keeps device routes, health, metrics and docs open', async () => {
    const { app, dir } = await buildTestApp({ ADMIN_TOKEN: ADMIN });
    await seed(dir);
    expect((await app.inject({ url: `/api/configs/${MAC}.json` })).statusCode).toBe(200);
    expect((await app.inject({ url: `/esp32/config/${MAC}.json` })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/docs/openapi.json' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/docs/' })).statusCode).toBe(200);
    // An unknown route is a 404, not a 401: it reveals nothing.
    expect((await app.inject({ url: '/api/nothing-here' })).statusCode).toBe(404);
  });

  it('accepts every token of ADMIN_TOKENS_FILE (rotation), ignoring blank lines and comments', async () => {
    const dir = await tempDir('iot-tokens-');
    const file = path.join(dir, 'tokens');
    await fs.writeFile(file, `# old token, remove after the rotation\n${ADMIN}\n\n${OTHER_ADMIN}\n`);
    const { app } = await buildTestApp({ ADMIN_TOKENS_FILE: file });
    expect((await app.inject({ url: '/api/configs', headers: bearer(ADMIN) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/configs', headers: bearer(OTHER_ADMIN) })).statusCode).toBe(200);
    expectUnauthorized(await app.inject({ url: '/api/configs', headers: bearer('not-one-of-them-0000') }));
  });

  it('does not log the token', async () => {
    const { app } = await buildTestApp({ ADMIN_TOKEN: ADMIN });
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await app.inject({ url: '/api/configs', headers: bearer(`${ADMIN}wrong`) });
    } finally {
      process.stdout.write = original;
    }
    expect(lines.join('')).not.toContain(ADMIN);
  });
});

describe('with DEVICE_TOKEN', () => {
  it('closes the device routes to anyone without a device or admin token', async () => {
    const { app, dir } = await buildTestApp({ ADMIN_TOKEN: ADMIN, DEVICE_TOKEN: DEVICE });
    await seed(dir);
    for (const url of [`/api/configs/${MAC}.json`, `/esp32/config/${MAC}.json`]) {
      expectUnauthorized(await app.inject({ url }));
      expectUnauthorized(await app.inject({ url, headers: bearer('wrong-device-token-000') }));
      expect((await app.inject({ url, headers: bearer(DEVICE) })).statusCode).toBe(200);
      expect((await app.inject({ url, headers: bearer(ADMIN) })).statusCode).toBe(200);
    }
    // The device token opens nothing else.
    expectUnauthorized(await app.inject({ url: `/api/configs/${MAC}`, headers: bearer(DEVICE) }));
  });

  it('alone, protects the device routes and leaves the admin API open', async () => {
    const { app, dir } = await buildTestApp({ DEVICE_TOKEN: DEVICE });
    await seed(dir);
    expectUnauthorized(await app.inject({ url: `/api/configs/${MAC}.json` }));
    expect((await app.inject({ url: `/api/configs/${MAC}.json`, headers: bearer(DEVICE) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/configs' })).statusCode).toBe(200);
  });
});

describe('failed attempts', () => {
  it('are limited per client address: after 10 wrong tokens a minute, 429 RATE_LIMITED with Retry-After, even for the right token', async () => {
    const { app } = await buildTestApp({ ADMIN_TOKEN: ADMIN });
    const attacker = { remoteAddress: '192.0.2.7' };
    for (let i = 0; i < 10; i++) {
      expectUnauthorized(await app.inject({ url: '/api/configs', headers: bearer(`guess-number-${i}-0000000`), ...attacker }));
    }
    const limited = await app.inject({ url: '/api/configs', headers: bearer('guess-number-11-000000'), ...attacker });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: expect.any(Number) }, correlationId: expect.any(String) });
    // Blocked means blocked: the right token does not tell a guesser it was right.
    expect((await app.inject({ url: '/api/configs', headers: bearer(ADMIN), ...attacker })).statusCode).toBe(429);
    // Other addresses are not affected.
    expect((await app.inject({ url: '/api/configs', headers: bearer(ADMIN), remoteAddress: '192.0.2.8' })).statusCode).toBe(200);
    // Public routes stay reachable from the blocked address.
    expect((await app.inject({ url: '/api/health', ...attacker })).statusCode).toBe(200);
  });

  it('are limited from loopback too: the request limit exempts it, this one does not', async () => {
    const { app } = await buildTestApp({ ADMIN_TOKEN: ADMIN });
    const local = { remoteAddress: '127.0.0.1' };
    for (let i = 0; i < 10; i++) expectUnauthorized(await app.inject({ url: '/api/configs', headers: bearer(`guess-number-${i}-0000000`), ...local }));
    expect((await app.inject({ url: '/api/configs', headers: bearer('guess-number-11-000000'), ...local })).statusCode).toBe(429);
    expect((await app.inject({ url: '/api/configs', headers: bearer(ADMIN), ...local })).statusCode).toBe(429);
  });

  it('do not count requests that send no token (a browser before its login prompt)', async () => {
    const { app } = await buildTestApp({ ADMIN_TOKEN: ADMIN });
    for (let i = 0; i < 15; i++) expectUnauthorized(await app.inject({ url: '/api/configs', remoteAddress: '192.0.2.9' }));
    expect((await app.inject({ url: '/api/configs', headers: bearer(ADMIN), remoteAddress: '192.0.2.9' })).statusCode).toBe(200);
  });
});

describe('settings', () => {
  it('refuse short tokens, tokens with spaces, unreadable and empty token files', async () => {
    expect(() => loadSettings({ ADMIN_TOKEN: 'short' })).toThrow(SettingsError);
    expect(() => loadSettings({ ADMIN_TOKEN: 'has a space in it somewhere' })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadSettings({ DEVICE_TOKEN: 'short' })).toThrow(/DEVICE_TOKEN/);
    // Set but empty, as a compose file's ${ADMIN_TOKEN} gives with the variable missing: refused, not taken as open.
    for (const variable of ['ADMIN_TOKEN', 'ADMIN_TOKENS_FILE', 'DEVICE_TOKEN']) {
      for (const value of ['', '  ']) expect(() => loadSettings({ [variable]: value })).toThrow(new RegExp(`${variable}.*set but empty`));
    }
    expect(() => loadSettings({ ADMIN_TOKENS_FILE: '/nonexistent/tokens' })).toThrow(/ADMIN_TOKENS_FILE.*ENOENT/);
    const dir = await tempDir('iot-tokens-');
    await fs.writeFile(path.join(dir, 'empty'), '\n# nothing\n');
    expect(() => loadSettings({ ADMIN_TOKENS_FILE: path.join(dir, 'empty') })).toThrow(/holds no token/);
    expect(loadSettings({})).toMatchObject({ adminTokens: [], deviceTokens: [], rateLimitPerMinute: 6000 });
    expect(loadSettings({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
    expect(() => loadSettings({ RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });

  it('parse bearer tokens and compare them by digest', () => {
    expect(bearerToken(`Bearer ${ADMIN}`)).toBe(ADMIN);
    expect(bearerToken(`Bearer  ${ADMIN} `)).toBe(ADMIN);
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(tokenMatches('x', [])).toBe(false);
    expect(defaultAccess('GET', '/app/index.html')).toBe('public');
    expect(defaultAccess('POST', '/app/anything')).toBe('admin');
    expect(defaultAccess('GET', '/api/future-route')).toBe('admin');
    expect(defaultAccess('OPTIONS', '/api/configs')).toBe('public');
    expect(defaultAccess('GET', undefined)).toBe('public');
  });
});

describe('the OpenAPI document', () => {
  it('states each route access (bearerAuth) and its 401 and 429 answers', async () => {
    const { app } = await buildTestApp();
    const doc = (await app.inject({ url: '/api/docs/openapi.json' })).json();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const put = doc.paths['/api/configs/{mac_address}'].put;
    expect(put.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['401', '429']));
    const device = doc.paths['/api/configs/{mac_address}.json'].get;
    expect(device.security).toEqual([{}, { bearerAuth: [] }]);
    expect(doc.paths['/api/health'].get.security).toBeUndefined();
    expect(Object.keys(doc.paths['/api/health'].get.responses)).not.toContain('401');
  });
});
