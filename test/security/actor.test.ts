import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { buildTestApp, MAC, tempDir } from '../helpers/app.js';

const ALICE_TOKEN = 'a'.repeat(32);
const BARE_TOKEN = 'b'.repeat(32);

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

/** Saves a config as the request `options` describe, and answers who the history says made it. */
async function actorOfSave(app: App, options: { headers?: Record<string, string>; remoteAddress?: string }): Promise<unknown> {
  const saved = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { n: Math.random() } }, ...options });
  expect(saved.statusCode).toBe(200);
  const history = await app.inject({ url: `/api/configs/${MAC}/history?limit=1`, headers: { authorization: options.headers?.authorization ?? '' } });
  return history.json().versions[0].actor;
}

describe('the actor of a change', () => {
  it('is the user a trusted proxy names, and only a trusted proxy', async () => {
    const { app } = await buildTestApp({ TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.5' });
    expect(await actorOfSave(app, { remoteAddress: '10.1.2.3', headers: { 'remote-user': 'alice' } })).toBe('alice');
    expect(await actorOfSave(app, { remoteAddress: '192.168.1.5', headers: { 'x-forwarded-user': 'bob' } })).toBe('bob');
    // Remote-User comes first when a proxy sets both.
    expect(await actorOfSave(app, { remoteAddress: '10.1.2.3', headers: { 'remote-user': 'carol', 'x-forwarded-user': 'bob' } })).toBe('carol');
    // A spoofed header from any other address is ignored.
    expect(await actorOfSave(app, { remoteAddress: '192.168.1.6', headers: { 'remote-user': 'mallory' } })).toBe('anonymous@192.168.1.6');
    expect(await actorOfSave(app, { remoteAddress: '127.0.0.1', headers: { 'remote-user': 'mallory' } })).toBe('anonymous@127.0.0.1');
    // An IPv4-mapped IPv6 peer is the IPv4 address it maps.
    expect(await actorOfSave(app, { remoteAddress: '::ffff:10.9.9.9', headers: { 'remote-user': 'dave' } })).toBe('dave');
  });

  it('is the admin token\'s name from ADMIN_TOKENS_FILE, or a name made from a bare token', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'tokens');
    await fs.writeFile(file, `# admins\nalice ${ALICE_TOKEN}\n${BARE_TOKEN}\n`);
    const { app } = await buildTestApp({ ADMIN_TOKENS_FILE: file });
    expect(await actorOfSave(app, { headers: { authorization: `Bearer ${ALICE_TOKEN}` } })).toBe('alice');
    const hashed = `token-${createHash('sha256').update(BARE_TOKEN).digest('hex').slice(0, 8)}`;
    expect(await actorOfSave(app, { headers: { authorization: `Bearer ${BARE_TOKEN}` } })).toBe(hashed);
  });

  it('prefers a trusted proxy\'s user to the token\'s name', async () => {
    const { app } = await buildTestApp({ ADMIN_TOKEN: ALICE_TOKEN, TRUSTED_PROXIES: '127.0.0.1' });
    const hashed = `token-${createHash('sha256').update(ALICE_TOKEN).digest('hex').slice(0, 8)}`;
    expect(await actorOfSave(app, { headers: { authorization: `Bearer ${ALICE_TOKEN}` } })).toBe(hashed);
    expect(await actorOfSave(app, { headers: { authorization: `Bearer ${ALICE_TOKEN}`, 'remote-user': 'erin' } })).toBe('erin');
  });
});

describe('settings', () => {
  it('refuse a TRUSTED_PROXIES entry that is not an address or a CIDR range, in one line', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.local', '10.0.0.1/8/1', '::1/129']) {
      expect(() => loadSettings({ TRUSTED_PROXIES: bad })).toThrow(/^Invalid setting TRUSTED_PROXIES: expected comma-separated IP addresses or CIDR ranges/);
    }
    expect(loadSettings({ TRUSTED_PROXIES: '::1, fd00::/8,10.0.0.1' }).trustedProxies).toEqual(['::1', 'fd00::/8', '10.0.0.1']);
  });

  it('read HISTORY_LIMIT and HISTORY_MAX_AGE_DAYS, and refuse a line of three words in ADMIN_TOKENS_FILE', async () => {
    expect(loadSettings({})).toMatchObject({ historyLimit: 100, historyMaxAgeDays: 365, trustedProxies: [] });
    expect(loadSettings({ HISTORY_LIMIT: '0', HISTORY_MAX_AGE_DAYS: '30' })).toMatchObject({ historyLimit: 0, historyMaxAgeDays: 30 });
    expect(() => loadSettings({ HISTORY_LIMIT: '-1' })).toThrow(/^Invalid setting HISTORY_LIMIT/);
    expect(() => loadSettings({ HISTORY_MAX_AGE_DAYS: '0' })).toThrow(/^Invalid setting HISTORY_MAX_AGE_DAYS/);
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'tokens'), `alice bob ${ALICE_TOKEN}\n`);
    expect(() => loadSettings({ ADMIN_TOKENS_FILE: path.join(dir, 'tokens') })).toThrow(/^Invalid setting ADMIN_TOKENS_FILE: a line must be/);
  });
});
