import fs from 'node:fs/promises';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/settings.js';
import { tempDir } from '../helpers/app.js';
import { buildAssetApp, makeSigningKeys, sha256Hex, signedUpload, upload, writeKeyFiles, type SigningKeys } from '../helpers/assets.js';

let keys: SigningKeys;
beforeAll(() => {
  keys = makeSigningKeys();
});

const CONTENT = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
const ADMIN = 'admin-token-0123456789abcdef';
const DEVICE = 'device-token-0123456789abcdef';

describe('asset downloads', () => {
  it('serves the file with ETag, 304, Range and HEAD on both paths', async () => {
    const { app } = await buildAssetApp(keys);
    expect((await upload(app, signedUpload(keys.privateKey, { content: CONTENT }))).statusCode).toBe(200);
    for (const url of ['/api/assets/firmware.bin', '/assets/firmware.bin']) {
      const full = await app.inject({ url });
      expect(full.statusCode, url).toBe(200);
      expect(full.rawPayload).toEqual(CONTENT);
      expect(full.headers['content-type']).toBe('application/octet-stream');
      expect(full.headers['cache-control']).toBe('no-cache');
      expect(full.headers['accept-ranges']).toBe('bytes');
      const etag = full.headers.etag as string;
      expect(etag).toBeTruthy();

      const unchanged = await app.inject({ url, headers: { 'if-none-match': etag } });
      expect(unchanged.statusCode).toBe(304);
      expect(unchanged.rawPayload.length).toBe(0);

      const part = await app.inject({ url, headers: { range: 'bytes=1000-1999' } });
      expect(part.statusCode).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 1000-1999/${CONTENT.length}`);
      expect(part.rawPayload).toEqual(CONTENT.subarray(1000, 2000));
      const tail = await app.inject({ url, headers: { range: 'bytes=4990-' } });
      expect(tail.rawPayload).toEqual(CONTENT.subarray(4990));

      const outside = await app.inject({ url, headers: { range: 'bytes=9000-9999' } });
      expect(outside.statusCode).toBe(416);
      expect(outside.json().code).toBe('RANGE_NOT_SATISFIABLE');

      const head = await app.inject({ method: 'HEAD', url });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-length']).toBe(String(CONTENT.length));
      expect(head.headers.etag).toBe(etag);
      expect(head.rawPayload.length).toBe(0);
    }
  });

  it('answers 404 for a missing asset and 400 for a name that leaves the directory', async () => {
    const { app, dir } = await buildAssetApp(keys);
    await fs.writeFile(path.join(dir, 'secret.json'), '{}');
    expect((await app.inject({ url: '/api/assets/missing.bin' })).json().code).toBe('RECORD_NOT_FOUND');
    for (const url of ['/api/assets/..%2fsecret.json', '/assets/a%5Cb.bin', '/api/assets/.hidden']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
  });

  it('lists each asset with size, time and SHA-256, leaving out temp files', async () => {
    const { app, assetsDir } = await buildAssetApp(keys);
    await upload(app, signedUpload(keys.privateKey, { content: CONTENT, filename: 'b.bin' }));
    await upload(app, signedUpload(keys.privateKey, { content: Buffer.from('a'), filename: 'a.bin', timestamp: new Date(Date.now() - 1).toISOString() }));
    await fs.writeFile(path.join(assetsDir, '.b.bin.host.1.abc.0.tmp'), 'half');
    const list = await app.inject({ url: '/api/assets' });
    expect(list.statusCode).toBe(200);
    expect(list.json().assets).toEqual([
      { filename: 'a.bin', size: 1, uploaded_at: expect.any(String), sha256: sha256Hex('a') },
      { filename: 'b.bin', size: CONTENT.length, uploaded_at: expect.any(String), sha256: sha256Hex(CONTENT) },
    ]);
    // A file changed behind the service's back is hashed again.
    await fs.writeFile(path.join(assetsDir, 'a.bin'), 'changed');
    const again = (await app.inject({ url: '/api/assets' })).json().assets;
    expect(again[0]).toMatchObject({ size: 7, sha256: sha256Hex('changed') });
  });

  it('lists nothing before the first upload, and answers 503 when ASSETS_DIR is missing', async () => {
    const { app } = await buildAssetApp(keys, { ASSETS_DIR: path.join(await tempDir(), 'not-yet') });
    expect((await app.inject({ url: '/api/assets' })).statusCode).toBe(503);
    const fresh = await buildAssetApp(keys);
    expect((await fresh.app.inject({ url: '/api/assets' })).json()).toEqual({ assets: [] });
  });
});

describe('asset access with tokens', () => {
  it('needs DEVICE_TOKEN (or an admin token) for reads and the admin token for uploads', async () => {
    const { app } = await buildAssetApp(keys, { DEVICE_TOKEN: DEVICE, ADMIN_TOKEN: ADMIN });
    const form = signedUpload(keys.privateKey, { content: CONTENT });
    const anonymous = await upload(app, form);
    expect(anonymous.statusCode).toBe(401);
    expect((await upload(app, form, { authorization: `Bearer ${DEVICE}` })).statusCode).toBe(401);
    expect((await upload(app, form, { authorization: `Bearer ${ADMIN}` })).statusCode).toBe(200);

    for (const url of ['/api/assets', '/api/assets/firmware.bin', '/assets/firmware.bin']) {
      expect((await app.inject({ url })).statusCode, url).toBe(401);
      expect((await app.inject({ url, headers: { authorization: `Bearer ${DEVICE}` } })).statusCode, url).toBe(200);
      expect((await app.inject({ url, headers: { authorization: `Bearer ${ADMIN}` } })).statusCode, url).toBe(200);
    }
  });

  it('leaves reads open and uploads to the signature alone without tokens', async () => {
    const { app } = await buildAssetApp(keys);
    expect((await upload(app, signedUpload(keys.privateKey))).statusCode).toBe(200);
    expect((await app.inject({ url: '/assets/firmware.bin' })).statusCode).toBe(200);
  });
});

describe('asset settings', () => {
  it('puts the assets beside the config directory by default', async () => {
    const settings = loadSettings({ ESP32_CONFIGS_DIR: '/srv/iot/configs' });
    expect(settings.assets).toMatchObject({ dir: '/srv/iot/assets', dirFromEnv: false, verificationKey: null, timestampToleranceSeconds: 300, maxBytes: 64 * 1_048_576, requireFileSignature: false });
    expect(loadSettings({}, '/opt/app').assets.dir).toBe('/opt/app/data/assets');
    expect(() => loadSettings({ ESP32_CONFIGS_DIR: '/srv/iot', ASSETS_DIR: '/srv/iot/assets' })).toThrow(SettingsError);
  });

  it('gives a one-line error for a bad SIGNING_KEY_PATH', async () => {
    const dir = await tempDir('iot-keys-');
    const garbage = path.join(dir, 'garbage.pem');
    await fs.writeFile(garbage, 'not a key');
    const ec = path.join(dir, 'ec.pem');
    await fs.writeFile(ec, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    for (const [file, words] of [[path.join(dir, 'missing.pem'), 'cannot read'], [garbage, 'not a usable PEM RSA key'], [ec, 'RSA key is required']] as const) {
      let error: unknown;
      try {
        loadSettings({ SIGNING_KEY_PATH: file });
      } catch (caught) {
        error = caught;
      }
      expect(error, file).toBeInstanceOf(SettingsError);
      const message = (error as Error).message;
      expect(message).toContain('Invalid setting SIGNING_KEY_PATH');
      expect(message).toContain(words);
      expect(message).not.toContain('\n');
    }
    const { privatePem } = await writeKeyFiles(keys);
    expect(loadSettings({ SIGNING_KEY_PATH: privatePem }).assets.verificationKey?.asymmetricKeyType).toBe('rsa');
  });
});

describe('asset leftovers', () => {
  it('removes temp files of uploads a crash interrupted on first use, and keeps recent ones', async () => {
    const assetsDir = await tempDir('iot-assets-');
    const old = path.join(assetsDir, '.firmware.bin.host.1.abcdefabcdef.0.tmp');
    const recent = path.join(assetsDir, '.other.bin.host.1.abcdefabcdef.1.tmp');
    await fs.writeFile(old, 'half');
    await fs.writeFile(recent, 'half');
    await fs.writeFile(path.join(assetsDir, 'keep.bin'), 'whole');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(old, twoHoursAgo, twoHoursAgo);
    const { app } = await buildAssetApp(keys, { ASSETS_DIR: assetsDir });
    expect((await app.inject({ url: '/api/assets' })).json().assets.map((asset: { filename: string }) => asset.filename)).toEqual(['keep.bin']);
    expect((await fs.readdir(assetsDir)).sort()).toEqual(['.other.bin.host.1.abcdefabcdef.1.tmp', 'keep.bin']);
  });
});
