import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, tempDir } from '../helpers/app.js';
import { buildAssetApp, entries, makeSigningKeys, sha256Hex, signedUpload, signText, upload, writeKeyFiles, type Part, type SigningKeys } from '../helpers/assets.js';

let keys: SigningKeys;
beforeAll(() => {
  keys = makeSigningKeys();
});

const CONTENT = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));

/** The field the first error of a VALIDATION_FAILED answer names. */
function refusedField(response: { statusCode: number; json(): unknown }): string {
  expect(response.statusCode).toBe(400);
  const body = response.json() as { code: string; details: { errors: { field: string }[] } };
  expect(body.code).toBe('VALIDATION_FAILED');
  return body.details.errors[0]!.field;
}

describe('asset upload', () => {
  it('stores a signed upload byte for byte and answers as the old backend did', async () => {
    const { app, assetsDir } = await buildAssetApp(keys);
    const before = Date.now();
    const response = await upload(app, signedUpload(keys.privateKey, { content: CONTENT }));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ filename: 'firmware.bin', size: CONTENT.length, uploaded_at: expect.any(String) });
    expect(Date.parse(body.uploaded_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(await fs.readFile(path.join(assetsDir, 'firmware.bin'))).toEqual(CONTENT);
    expect(await entries(assetsDir)).toEqual(['firmware.bin']);
  });

  it('accepts the fields after the file, and replaces an existing file of the same name', async () => {
    const { app, assetsDir } = await buildAssetApp(keys);
    expect((await upload(app, signedUpload(keys.privateKey, { content: Buffer.from('old') }))).statusCode).toBe(200);
    const response = await upload(app, signedUpload(keys.privateKey, { content: CONTENT, fileFirst: true, timestamp: new Date(Date.now() - 1000).toISOString() }));
    expect(response.statusCode).toBe(200);
    expect(await fs.readFile(path.join(assetsDir, 'firmware.bin'))).toEqual(CONTENT);
  });

  it('reads a timestamp without a zone as UTC, as the old backend did', async () => {
    const { app } = await buildAssetApp(keys);
    const naive = new Date().toISOString().slice(0, 19);
    expect((await upload(app, signedUpload(keys.privateKey, { timestamp: naive }))).statusCode).toBe(200);
  });

  it('refuses a timestamp outside the window, a bad signature and missing fields, leaving nothing on disk', async () => {
    const { app, assetsDir } = await buildAssetApp(keys, { TIMESTAMP_TOLERANCE_SECONDS: '60' });
    const old = new Date(Date.now() - 61_000).toISOString();
    const future = new Date(Date.now() + 61_000).toISOString();
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { timestamp: old })))).toBe('timestamp');
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { timestamp: future, fileFirst: true })))).toBe('timestamp');
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { timestamp: 'yesterday' })))).toBe('timestamp');
    const other = makeSigningKeys();
    const forged = await upload(app, signedUpload(other.privateKey));
    expect(refusedField(forged)).toBe('signature');
    expect(forged.json().error).toMatch(/signature/i);
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { signature: 'not base64!' })))).toBe('signature');
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { omit: ['timestamp'] })))).toBe('timestamp');
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { omit: ['signature'] })))).toBe('signature');
    const noFile = await upload(app, signedUpload(keys.privateKey, { omit: ['file'] }));
    expect(refusedField(noFile)).toBe('file');
    expect(noFile.json().error).toContain("'file'");
    expect(await entries(assetsDir)).toEqual([]);
  });

  it('refuses names with .., / or \\', async () => {
    const { app, assetsDir, dir } = await buildAssetApp(keys);
    for (const filename of ['../escape.bin', 'a/b.bin', 'a\\b.bin', '..', '.hidden']) {
      const response = await upload(app, signedUpload(keys.privateKey, { filename }));
      expect(refusedField(response), filename).toBe('file');
      expect(response.json().error, filename).toMatch(/filename/);
    }
    expect(await entries(assetsDir)).toEqual([]);
    expect(await entries(path.dirname(assetsDir))).not.toContain('escape.bin');
    expect(await entries(dir)).not.toContain('escape.bin');
  });

  it('refuses a replayed signature, also when the replay is the same form sent again', async () => {
    const { app, assetsDir } = await buildAssetApp(keys);
    const form = signedUpload(keys.privateKey, { content: CONTENT });
    expect((await upload(app, form)).statusCode).toBe(200);
    await fs.rm(path.join(assetsDir, 'firmware.bin'));
    const replay = await upload(app, form);
    expect(refusedField(replay)).toBe('signature');
    expect(replay.json().error).toMatch(/already used/);
    expect(await entries(assetsDir)).toEqual([]);
  });

  it('lets only one of two replicas sharing the config directory accept a signature', async () => {
    const configDir = await tempDir();
    const assetsDir = await tempDir('iot-assets-');
    const env = { ESP32_CONFIGS_DIR: configDir, ASSETS_DIR: assetsDir };
    const [one, two] = [await buildAssetApp(keys, env), await buildAssetApp(keys, env)];
    const form = signedUpload(keys.privateKey, { content: CONTENT });
    const answers = await Promise.all([upload(one.app, form), upload(two.app, form), upload(one.app, form), upload(two.app, form)]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 400, 400, 400]);
    expect(await entries(assetsDir)).toEqual(['firmware.bin']);
    const guard = await fs.readdir(path.join(configDir, '.iot-config', 'used-signatures'));
    expect(guard).toHaveLength(1);
  });

  it('refuses an upload over MAX_ASSET_BYTES with 413 and leaves nothing on disk', async () => {
    const { app, assetsDir } = await buildAssetApp(keys, { MAX_ASSET_BYTES: '1024' });
    const response = await upload(app, signedUpload(keys.privateKey, { content: Buffer.alloc(1025, 7) }));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 1024 } });
    expect(await entries(assetsDir)).toEqual([]);
    // Declared too large up front: refused before reading.
    const big = await upload(app, signedUpload(keys.privateKey, { content: Buffer.alloc(200_000, 7) }));
    expect(big.statusCode).toBe(413);
    expect((await upload(app, signedUpload(keys.privateKey, { content: Buffer.alloc(1024, 7) }))).statusCode).toBe(200);
  });

  it('checks file_sha256 against the signature and against the file that arrived', async () => {
    const { app, assetsDir } = await buildAssetApp(keys);
    const good = await upload(app, signedUpload(keys.privateKey, { content: CONTENT, withSha: true, fileFirst: true }));
    expect(good.statusCode).toBe(200);
    await fs.rm(path.join(assetsDir, 'firmware.bin'));

    // Signed for other bytes: the signature holds, the file does not match it.
    const mismatch = await upload(app, signedUpload(keys.privateKey, { content: CONTENT, withSha: sha256Hex('other bytes') }));
    expect(refusedField(mismatch)).toBe('file_sha256');
    expect(mismatch.json().error).toContain(sha256Hex(CONTENT));
    expect(await entries(assetsDir)).toEqual([]);

    // A signature of the timestamp alone does not cover a form that names a hash.
    const timestamp = new Date().toISOString();
    const shortSignature = signText(keys.privateKey, timestamp);
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { timestamp, signature: shortSignature, withSha: true })))).toBe('signature');
    // Nor does a signature made for another name.
    const renamed = signText(keys.privateKey, `${timestamp}\nother.bin\n${sha256Hex(CONTENT)}`);
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { content: CONTENT, timestamp, signature: renamed, withSha: true })))).toBe('signature');
    expect(refusedField(await upload(app, signedUpload(keys.privateKey, { withSha: 'xyz' })))).toBe('file_sha256');
    expect(await entries(assetsDir)).toEqual([]);
  });

  it('takes file_sha256 sent after the file, checking the signature over it', async () => {
    const { app, assetsDir } = await buildAssetApp(keys, { ASSET_REQUIRE_FILE_SIGNATURE: 'true' });
    const timestamp = new Date().toISOString();
    const signature = signText(keys.privateKey, `${timestamp}\nfirmware.bin\n${sha256Hex(CONTENT)}`);
    const parts: Part[] = [
      { name: 'timestamp', value: timestamp },
      { name: 'signature', value: signature },
      { name: 'file', filename: 'firmware.bin', value: CONTENT },
      { name: 'file_sha256', value: sha256Hex(CONTENT) },
    ];
    const response = await upload(app, parts);
    expect(response.statusCode, response.body).toBe(200);
    expect(await fs.readFile(path.join(assetsDir, 'firmware.bin'))).toEqual(CONTENT);
  });

  it('refuses a name too long for its temp file beside it with 400', async () => {
    const { app, assetsDir } = await buildAssetApp(keys);
    const response = await upload(app, signedUpload(keys.privateKey, { filename: `${'f'.repeat(200)}.bin` }));
    expect(refusedField(response)).toBe('file');
    expect(response.json().error).toMatch(/at most 128 bytes/);
    expect(await entries(assetsDir)).toEqual([]);
  });

  it('requires the stronger form with ASSET_REQUIRE_FILE_SIGNATURE=true', async () => {
    const { app, assetsDir } = await buildAssetApp(keys, { ASSET_REQUIRE_FILE_SIGNATURE: 'true' });
    const short = await upload(app, signedUpload(keys.privateKey));
    expect(refusedField(short)).toBe('file_sha256');
    expect(short.json().error).toContain('ASSET_REQUIRE_FILE_SIGNATURE');
    expect((await upload(app, signedUpload(keys.privateKey, { content: CONTENT, withSha: true }))).statusCode).toBe(200);
    expect(await fs.readFile(path.join(assetsDir, 'firmware.bin'))).toEqual(CONTENT);
  });

  it('takes a public key PEM as SIGNING_KEY_PATH', async () => {
    const { publicPem } = await writeKeyFiles(keys);
    const { app } = await buildAssetApp(keys, { SIGNING_KEY_PATH: publicPem });
    expect((await upload(app, signedUpload(keys.privateKey))).statusCode).toBe(200);
  });

  it('answers 503 UPLOADS_DISABLED without SIGNING_KEY_PATH, and 415 for a body that is not a form', async () => {
    const { app } = await buildTestApp({ ASSETS_DIR: await tempDir('iot-assets-') });
    const response = await upload(app, signedUpload(keys.privateKey));
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('UPLOADS_DISABLED');
    const withKey = await buildAssetApp(keys);
    const json = await withKey.app.inject({ method: 'POST', url: '/api/assets', payload: { file: 'x' } });
    expect(json.statusCode).toBe(415);
  });

  it('counts uploads and refusals in the metrics', async () => {
    const { app } = await buildAssetApp(keys);
    await upload(app, signedUpload(keys.privateKey));
    await upload(app, signedUpload(keys.privateKey, { timestamp: '2001-01-01T00:00:00Z' }));
    await app.inject({ url: '/api/assets/firmware.bin' });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('iot_config_operations_total{operation="asset_upload",status="success"} 1');
    expect(text).toContain('iot_config_operations_total{operation="asset_upload",status="invalid_body"} 1');
    expect(text).toContain('iot_config_operations_total{operation="asset_serve",status="success"} 1');
    expect(text).toContain('iot_asset_upload_failures_total{reason="timestamp"} 1');
    expect(text).toMatch(/iot_config_operation_duration_seconds_count\{operation="asset_upload"\} 2/);
  });
});
