import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, MAC, sampleContent, tempDir } from '../helpers/app.js';
import { makeLstatSyncSlow } from '../helpers/slow-storage.js';
import { namesIn } from '../helpers/stored-names.js';

const OTHER_MAC = '11-22-33-44-55-66';
const NO_SCHEMA_ITEM = { schema: null, valid: true, error_count: 0 };
const fileOf = (dir: string, mac = MAC) => path.join(dir, `${mac}.json`);

async function readStored(dir: string, mac = MAC): Promise<string> {
  return fs.readFile(fileOf(dir, mac), 'utf8');
}

describe('PUT /api/configs/:mac_address', () => {
  it('creates a config, answers 200 with the summary, content and ETag, and writes it pretty-printed', async () => {
    const { app, dir } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: '/api/configs/AA:BB:CC:DD:EE:FF', payload: { content: sampleContent() } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(res.json()).toEqual({
      mac_address: MAC,
      device_name: 'Kitchen sensor',
      device_entity_id: 'sensor.kitchen',
      enable_ota: true,
      content: sampleContent(),
    });
    expect(await readStored(dir)).toBe(`${JSON.stringify(sampleContent(), null, 2)}\n`);
  });

  it('replaces an existing config and changes the ETag', async () => {
    const { app, dir } = await buildTestApp();
    const first = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('one') } });
    const second = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('two') } });
    expect(second.statusCode).toBe(200);
    expect(second.headers.etag).not.toBe(first.headers.etag);
    expect(JSON.parse(await readStored(dir)).deviceName).toBe('two');
  });

  it('stores the content verbatim: key order, big numbers, escapes and __proto__ keys', async () => {
    const { app, dir } = await buildTestApp();
    const body = '{"content": {"z": 1, "2": 12345678901234567890123, "s": "\\u00e9", "__proto__": {"polluted": true}}}';
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(200);
    expect(await readStored(dir)).toBe('{\n  "z": 1,\n  "2": 12345678901234567890123,\n  "s": "\\u00e9",\n  "__proto__": {\n    "polluted": true\n  }\n}\n');
    expect(res.body).toContain('12345678901234567890123');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives null summary fields for absent keys or keys of another type', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({
      method: 'PUT',
      url: `/api/configs/${MAC}`,
      payload: { content: { deviceName: 42, enableOTA: 'yes' } },
    });
    expect(res.json()).toMatchObject({ device_name: null, device_entity_id: null, enable_ota: null });
  });

  it('refuses to overwrite with allow_overwrite: false (409) and leaves the file alone', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('original') } });
    const res = await app.inject({
      method: 'PUT',
      url: `/api/configs/${MAC}`,
      payload: { content: sampleContent('other'), allow_overwrite: false },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'RECORD_EXISTS', error: `Config for ${MAC} already exists` });
    expect(JSON.parse(await readStored(dir)).deviceName).toBe('original');
  });

  it('creates with allow_overwrite: false when absent', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {}, allow_overwrite: false } });
    expect(res.statusCode).toBe(200);
  });

  it('honours If-Match: a matching ETag writes, a stale one is 412 with the current ETag and writes nothing', async () => {
    const { app, dir } = await buildTestApp();
    const created = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('v1') } });
    const etag = created.headers.etag as string;
    const updated = await app.inject({
      method: 'PUT',
      url: `/api/configs/${MAC}`,
      headers: { 'if-match': etag },
      payload: { content: sampleContent('v2') },
    });
    expect(updated.statusCode).toBe(200);
    const stale = await app.inject({
      method: 'PUT',
      url: `/api/configs/${MAC}`,
      headers: { 'if-match': etag },
      payload: { content: sampleContent('v3') },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({
      code: 'PRECONDITION_FAILED',
      error: `Precondition failed: config ${MAC} has changed (current ETag ${updated.headers.etag})`,
      details: { current_etag: updated.headers.etag },
    });
    expect(JSON.parse(await readStored(dir)).deviceName).toBe('v2');
  });

  it('refuses with 400 a condition that is not an entity tag (an ETag without its quotes), on every write, and writes nothing', async () => {
    const { app, dir } = await buildTestApp();
    const saved = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { v: 1 } } });
    const bare = saved.headers.etag!.replaceAll('"', '');
    const writes = [
      { method: 'PUT' as const, url: `/api/configs/${MAC}`, payload: { content: { v: 2 } }, headers: { 'if-match': bare } },
      { method: 'PUT' as const, url: `/api/configs/${MAC}`, payload: { content: { v: 2 } }, headers: { 'if-none-match': `W/"x", ${bare}` } },
      { method: 'DELETE' as const, url: `/api/configs/${MAC}`, headers: { 'if-match': bare } },
      { method: 'POST' as const, url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: '11-22-33-44-55-66' }, headers: { 'if-match': '' } },
    ];
    for (const write of writes) {
      const res = await app.inject(write);
      expect(res.statusCode, JSON.stringify(write.headers)).toBe(400);
      const field = Object.keys(write.headers)[0]!;
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', error: expect.stringContaining('quotes included'), details: { errors: [{ field }] } });
    }
    expect(JSON.parse(await fs.readFile(fileOf(dir), 'utf8'))).toEqual({ v: 1 });
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
    // The same value quoted, as the ETag header gives it, matches.
    expect((await app.inject({ ...writes[0]!, headers: { 'if-match': saved.headers.etag! } })).statusCode).toBe(200);
  });

  it('answers 412 with current_etag null for If-Match on an absent config', async () => {
    const { app, dir } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-match': '"abc"' }, payload: { content: {} } });
    expect(res.statusCode).toBe(412);
    expect(res.json()).toMatchObject({ error: `Precondition failed: config ${MAC} does not exist`, details: { current_etag: null } });
    await expect(fs.access(fileOf(dir))).rejects.toThrow();
  });

  it('answers 412 with the ETag of a stored file that is not a valid config, which a repair can then match', async () => {
    const { app, dir } = await buildTestApp();
    await fs.writeFile(fileOf(dir), '[1, 2]');
    const read = await app.inject({ method: 'GET', url: `/api/configs/${MAC}` });
    expect(read.statusCode).toBe(422);
    const brokenEtag = read.json().details.etag as string;
    const stale = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-match': '"abc"' }, payload: { content: {} } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({
      error: `Precondition failed: config ${MAC} has changed (current ETag ${brokenEtag})`,
      details: { current_etag: brokenEtag },
    });
    const repaired = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-match': brokenEtag }, payload: { content: {} } });
    expect(repaired.statusCode).toBe(200);
  });

  it('treats If-None-Match: * as create-only', async () => {
    const { app } = await buildTestApp();
    const put = () => app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-none-match': '*' }, payload: { content: {} } });
    expect((await put()).statusCode).toBe(200);
    const again = await put();
    expect(again.statusCode).toBe(412);
    expect(again.json()).toMatchObject({
      error: `Precondition failed: config ${MAC} already exists (If-None-Match: *)`,
      details: { current_etag: expect.stringMatching(/^"/) },
    });
  });

  it('refuses with 412 an If-Match on a stored file that has no ETag, saying why', async () => {
    const { app, dir } = await buildTestApp({ MAX_BODY_BYTES: '2048' });
    // Over the size limit: never read, so it has no ETag.
    await fs.writeFile(fileOf(dir), JSON.stringify({ deviceName: 'x'.repeat(40_000) }));
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-match': '"abc"' }, payload: { content: {} } });
    expect(res.statusCode).toBe(412);
    expect(res.json()).toMatchObject({
      error: `Precondition failed: the stored file of config ${MAC} is not a usable config, so it has no ETag to match`,
      details: { current_etag: null },
    });
  });

  it('refuses with 412 a save whose If-None-Match lists the current ETag (weakly compared), and applies it otherwise', async () => {
    const { app, dir } = await buildTestApp();
    const first = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { v: 1 } } });
    const etag = first.headers.etag as string;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-none-match': header }, payload: { content: { v: 2 } } });
      expect(res.statusCode, header).toBe(412);
      expect(res.json()).toMatchObject({
        error: `Precondition failed: config ${MAC} is at ETag ${etag}, which If-None-Match excludes`,
        details: { current_etag: etag },
      });
    }
    expect(JSON.parse(await fs.readFile(fileOf(dir), 'utf8'))).toEqual({ v: 1 });
    const other = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-none-match': '"other"' }, payload: { content: { v: 3 } } });
    expect(other.statusCode).toBe(200);
    expect(JSON.parse(await fs.readFile(fileOf(dir), 'utf8'))).toEqual({ v: 3 });
  });

  it.each([
    ['content missing', { other: 1 }, 'content'],
    ['content not an object', { content: [1, 2] }, 'content'],
    ['content a string', { content: 'x' }, 'content'],
    ['allow_overwrite not a boolean', { content: {}, allow_overwrite: 'no' }, 'allow_overwrite'],
  ])('rejects %s with 400 VALIDATION_FAILED naming the field', async (_name, payload, field) => {
    const { app, dir } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.details.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.any(String) })]));
    expect(await namesIn(dir)).toEqual([]);
  });

  it('says a missing field is required, by its name, without repeating it', async () => {
    const { app } = await buildTestApp();
    const save = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { foo: 1 } });
    expect(save.json()).toMatchObject({ error: 'Request body is invalid: content is required', details: { errors: [{ field: 'content', message: 'is required' }] } });
    const rename = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: {} });
    expect(rename.json()).toMatchObject({ details: { errors: [{ field: 'new_mac_address', message: 'is required' }] } });
  });

  it.each([
    ['not JSON', '{"content": '],
    ['empty', ''],
    ['a JSON array', '[1]'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ['nested too deep', `{"content": ${'['.repeat(200)}${']'.repeat(200)}}`],
  ])('rejects a body that is %s with 400 VALIDATION_FAILED', async (_name, payload) => {
    const { app, dir } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [expect.objectContaining({ field: expect.any(String) })] } });
    expect(await namesIn(dir)).toEqual([]);
  });

  it('answers 415 for a non-JSON content type', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', correlationId: expect.any(String) });
  });

  it('takes a body of another +json type as JSON, but answers 415 for the JSON patch formats, as a PUT replaces the whole config', async () => {
    const { app, dir } = await buildTestApp();
    const put = (contentType: string, content: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': contentType }, payload: JSON.stringify({ content }) });
    expect((await put('application/vnd.example+json; charset=utf-8', { deviceName: 'kept', enableOTA: true })).statusCode).toBe(200);
    for (const patch of ['application/merge-patch+json', 'application/json-patch+json', 'Application/Merge-Patch+JSON']) {
      const res = await put(patch, { deviceName: 'patched' });
      expect(res.statusCode, patch).toBe(415);
      expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(JSON.parse(await readStored(dir))).toEqual({ deviceName: 'kept', enableOTA: true });
  });

  it('answers 413 for a body over MAX_BODY_BYTES', async () => {
    const { app, dir } = await buildTestApp({ MAX_BODY_BYTES: '2048' });
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { blob: 'x'.repeat(4096) } } });
    expect(res.statusCode).toBe(413);
    // The limit, so that a script can tell how far over it was.
    expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', error: 'Request body is too large: at most 2048 bytes (MAX_BODY_BYTES)', details: { limit_bytes: 2048 } });
    expect(await namesIn(dir)).toEqual([]);
  });

  it('answers 413 for a body that would be over 16 × MAX_BODY_BYTES once pretty-printed, and writes nothing', async () => {
    const { app, dir } = await buildTestApp({ MAX_BODY_BYTES: '2048' });
    // 900 numbers 60 levels deep: 1.9 KB as sent, over 100 KB indented, against a limit of 32 KiB.
    const deep = `${'['.repeat(60)}${Array(900).fill(0).join(',')}${']'.repeat(60)}`;
    const payload = `{"content": {"deep": ${deep}}}`;
    expect(payload.length).toBeLessThan(2048);
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      error: `Config ${MAC} would be over 32768 bytes once stored pretty-printed, the most a config file may have`,
      details: { mac_address: MAC, limit_bytes: 32_768 },
      correlationId: expect.any(String),
    });
    expect(await namesIn(dir)).toEqual([]);
  });

  it('serves a file over 16 × MAX_BODY_BYTES put there by hand as unusable, and lets it be replaced', async () => {
    const { app, dir } = await buildTestApp({ MAX_BODY_BYTES: '2048' });
    await fs.writeFile(path.join(dir, `${MAC}.json`), JSON.stringify({ deviceName: 'x'.repeat(40_000) }));
    const get = await app.inject(`/api/configs/${MAC}`);
    expect(get.statusCode).toBe(422);
    expect(get.json()).toMatchObject({ code: 'INVALID_STORED_CONFIG', details: { reason: expect.stringContaining('over the limit of 32768 bytes'), raw: '' } });
    expect((await app.inject(`/api/configs/${MAC}.json`)).statusCode).toBe(500);
    await app.configStore.refreshListing();
    expect((await app.inject('/api/configs')).json()).toMatchObject({ count: 0, skipped: [{ filename: `${MAC}.json` }] });
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { deviceName: 'small' } } });
    expect(put.statusCode).toBe(200);
    expect((await app.inject(`/api/configs/${MAC}.json`)).json()).toEqual({ deviceName: 'small' });
  });

  it('rejects an invalid MAC with 400 INVALID_OPERATION before touching any file', async () => {
    const { app, dir } = await buildTestApp();
    const res = await app.inject({ method: 'PUT', url: '/api/configs/..%2F..%2Fetc', payload: { content: {} } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_OPERATION', error: expect.stringContaining('../../etc') });
    expect(await namesIn(dir)).toEqual([]);
  });

  it("points a request with no MAC (the list's address with a trailing slash) to the list", async () => {
    const { app } = await buildTestApp();
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/api/configs/', ...(method === 'PUT' ? { payload: { content: {} } } : {}) });
      expect(res.statusCode, method).toBe(400);
      expect(res.json(), method).toMatchObject({ code: 'INVALID_OPERATION', error: 'No MAC address in the URL (the list of configs is /api/configs, without a trailing slash)' });
    }
  });
});

describe('GET /api/configs/:mac_address', () => {
  it('returns the config with its ETag, for any accepted MAC form', async () => {
    const { app } = await buildTestApp();
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    for (const form of [MAC, 'AA:BB:CC:DD:EE:FF', 'aabbccddeeff', 'AA-BB-CC-DD-EE-FF']) {
      const res = await app.inject(`/api/configs/${form}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe(put.headers.etag);
      // The answer to a GET adds the device's sync state and the validation to the saved config's fields.
      expect(res.json()).toEqual({ ...put.json(), fetch: { state: 'never_fetched' }, validation: { schema: null, valid: true, errors: [] } });
    }
  });

  it('reflects a change made on disk by another process at once', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('before') } });
    await app.inject(`/api/configs/${MAC}`);
    await fs.writeFile(fileOf(dir), JSON.stringify({ deviceName: 'edited by hand' }));
    const res = await app.inject(`/api/configs/${MAC}`);
    expect(res.json().device_name).toBe('edited by hand');
  });

  it('serves a file saved with a UTF-8 byte-order mark (Windows Notepad) without it, everywhere', async () => {
    const dir = await tempDir();
    const text = '{"deviceName": "notepad", "n": 1.50}\n';
    await fs.writeFile(fileOf(dir), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const wrapped = await app.inject(`/api/configs/${MAC}`);
    expect(wrapped.statusCode).toBe(200);
    expect(wrapped.json()).toMatchObject({ device_name: 'notepad', content: { deviceName: 'notepad' } });
    const device = await app.inject(`/api/configs/${MAC}.json`);
    expect(device.rawPayload).toEqual(Buffer.from(text));
    expect(device.headers.etag).toBe(wrapped.headers.etag);
    expect((await app.inject('/api/configs')).json().configs).toEqual([expect.objectContaining({ device_name: 'notepad' })]);
    const saved = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'if-match': wrapped.headers.etag! }, payload: { content: { deviceName: 'fixed' } } });
    expect(saved.statusCode).toBe(200);
    expect((await fs.readFile(fileOf(dir)))[0]).toBe('{'.charCodeAt(0));

    // One mark is forgiven, not two: what parses is exactly what is served.
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    await fs.writeFile(fileOf(dir, OTHER_MAC), Buffer.concat([BOM, BOM, Buffer.from(text)]));
    expect((await app.inject(`/api/configs/${OTHER_MAC}`)).json()).toMatchObject({ code: 'INVALID_STORED_CONFIG' });
  });

  it('gives the same ETag as another app instance on the same directory', async () => {
    const { app, dir } = await buildTestApp();
    const { app: other } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    expect((await other.inject(`/api/configs/${MAC}`)).headers.etag).toBe(put.headers.etag);
  });

  it('answers 404 RECORD_NOT_FOUND', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject('/api/configs/11:22:33:44:55:66');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'RECORD_NOT_FOUND', error: 'Config 11-22-33-44-55-66 was not found' });
  });

  it.each(['invalid-mac', 'aa-bb-cc-dd-ee', 'aa-bb-cc-dd-ee-ff-00', 'zz-bb-cc-dd-ee-ff', '..%2Fsecret', '%20', 'aa%3Abb%3Acc%3Add%3Aee%3Aff%3A00'])(
    'answers 400 INVALID_OPERATION for %j',
    async (mac) => {
      const { app } = await buildTestApp();
      const res = await app.inject(`/api/configs/${mac}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'INVALID_OPERATION' });
    },
  );

  it.each([
    ['invalid JSON', '{"deviceName": '],
    ['a JSON array', '[1, 2]'],
    ['a JSON string', '"text"'],
  ])('answers 422 INVALID_STORED_CONFIG with the raw text for %s, leaving the file as is', async (_name, text) => {
    const { app, dir } = await buildTestApp();
    await fs.writeFile(fileOf(dir), text);
    const res = await app.inject(`/api/configs/${MAC}`);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'INVALID_STORED_CONFIG', details: { raw: text, mac_address: MAC } });
    expect(await readStored(dir)).toBe(text);
  });

  it('caps details.raw at 64 KiB', async () => {
    const { app, dir } = await buildTestApp();
    await fs.writeFile(fileOf(dir), `{"x": "${'a'.repeat(100_000)}`);
    const res = await app.inject(`/api/configs/${MAC}`);
    expect(res.json().details.raw).toHaveLength(64 * 1024);
  });
});

describe('device routes: GET /api/configs/:mac_address.json and /esp32/config/:mac_address.json', () => {
  it.each(['/api/configs/AA:BB:CC:DD:EE:FF.json', `/esp32/config/${MAC}.json`])('serve the stored bytes with ETag and no-cache (%s)', async (url) => {
    const { app, dir } = await buildTestApp();
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    const res = await app.inject(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toBe(put.headers.etag);
    expect(res.body).toBe(await readStored(dir));
  });

  it('answers 304 with no body to a matching If-None-Match, 200 to a stale one', async () => {
    const { app } = await buildTestApp();
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    const etag = put.headers.etag as string;
    const fresh = await app.inject({ url: `/api/configs/${MAC}.json`, headers: { 'if-none-match': etag } });
    expect(fresh.statusCode).toBe(304);
    expect(fresh.body).toBe('');
    expect(fresh.headers.etag).toBe(etag);
    const weak = await app.inject({ url: `/esp32/config/${MAC}.json`, headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(weak.statusCode).toBe(304);
    const stale = await app.inject({ url: `/api/configs/${MAC}.json`, headers: { 'if-none-match': '"old"' } });
    expect(stale.statusCode).toBe(200);
  });

  it('answers 404, 400, and 500 INVALID_STORED_CONFIG for a broken file', async () => {
    const { app, dir } = await buildTestApp();
    expect((await app.inject(`/api/configs/${MAC}.json`)).statusCode).toBe(404);
    const bad = await app.inject('/esp32/config/not-a-mac.json');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('INVALID_OPERATION');
    await fs.writeFile(fileOf(dir), '[]');
    const broken = await app.inject(`/api/configs/${MAC}.json`);
    expect(broken.statusCode).toBe(500);
    expect(broken.json()).toMatchObject({ code: 'INVALID_STORED_CONFIG' });
  });

  describe('on storage that turned slow', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('answer the same through the thread pool: the bytes, 304, and the wrapped GET', async () => {
      const { app, dir } = await buildTestApp();
      const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
      const slowLstatSync = makeLstatSyncSlow();
      // A few slow synchronous calls in a row move reads to the thread pool.
      for (let i = 0; i < 3; i++) expect((await app.inject(`/api/configs/${MAC}.json`)).statusCode).toBe(200);
      const pooledLstat = vi.spyOn(fsSync, 'lstat');

      const res = await app.inject(`/api/configs/${MAC}.json`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe(put.headers.etag);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toBe(await readStored(dir));
      const notModified = await app.inject({ url: `/esp32/config/${MAC}.json`, headers: { 'if-none-match': put.headers.etag as string } });
      expect(notModified.statusCode).toBe(304);
      const wrapped = await app.inject(`/api/configs/${MAC}`);
      expect(wrapped.json()).toEqual({
        ...put.json(),
        fetch: expect.objectContaining({ state: 'in_sync', etag: put.headers.etag }),
        validation: { schema: null, valid: true, errors: [] },
      });
      expect(wrapped.headers.etag).toBe(put.headers.etag);
      expect(pooledLstat).toHaveBeenCalledTimes(3);
      expect(slowLstatSync).toHaveBeenCalledTimes(3);
    });
  });
});

describe('DELETE /api/configs/:mac_address', () => {
  it('deletes with 204 and an empty body', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } });
    const res = await app.inject({ method: 'DELETE', url: '/api/configs/AABBCCDDEEFF' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await namesIn(dir)).toEqual([]);
  });

  it('deletes when the client sends Content-Type: application/json with no body, as some send on every request', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } });
    const res = await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(204);
    expect(await namesIn(dir)).toEqual([]);
    // A body-less PUT is still refused.
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { 'content-type': 'application/json' } });
    expect(put.json()).toMatchObject({ code: 'VALIDATION_FAILED', error: 'Request body is empty; expected a JSON object' });
  });

  it('answers 404 and 400', async () => {
    const { app } = await buildTestApp();
    expect((await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}` })).json().code).toBe('RECORD_NOT_FOUND');
    expect((await app.inject({ method: 'DELETE', url: '/api/configs/nope' })).json().code).toBe('INVALID_OPERATION');
  });

  it('honours If-Match', async () => {
    const { app, dir } = await buildTestApp();
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } });
    const stale = await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}`, headers: { 'if-match': '"stale"' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().details.current_etag).toBe(put.headers.etag);
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
    const ok = await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}`, headers: { 'if-match': put.headers.etag as string } });
    expect(ok.statusCode).toBe(204);
  });
});

describe('POST /api/configs/:mac_address/rename', () => {
  const NEW_MAC = '11-22-33-44-55-66';

  it('moves the config and answers with it under the new MAC', async () => {
    const { app, dir } = await buildTestApp();
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
    const res = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: '11:22:33:44:55:66' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...put.json(), mac_address: NEW_MAC });
    expect(res.headers.etag).toBe(put.headers.etag);
    expect(await namesIn(dir)).toEqual([`${NEW_MAC}.json`]);
  });

  it('answers 404 when the source is missing and 409 when the target exists, leaving both files', async () => {
    const { app, dir } = await buildTestApp();
    const missing = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: NEW_MAC } });
    expect(missing.statusCode).toBe(404);
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('a') } });
    await app.inject({ method: 'PUT', url: `/api/configs/${NEW_MAC}`, payload: { content: sampleContent('b') } });
    const exists = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: NEW_MAC } });
    expect(exists.statusCode).toBe(409);
    expect(exists.json()).toMatchObject({ code: 'RECORD_EXISTS', error: `Config for ${NEW_MAC} already exists` });
    expect(await namesIn(dir)).toEqual([`${NEW_MAC}.json`, `${MAC}.json`]);
    expect(JSON.parse(await readStored(dir, NEW_MAC)).deviceName).toBe('b');
  });

  it('answers 400 for a bad new MAC, the same MAC, or a missing field', async () => {
    const { app } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } });
    const bad = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: 'nope' } });
    expect(bad.json()).toMatchObject({ code: 'INVALID_OPERATION', error: expect.stringContaining('"nope"') });
    const same = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: 'AABBCCDDEEFF' } });
    expect(same.json().code).toBe('INVALID_OPERATION');
    const missing = await app.inject({ method: 'POST', url: `/api/configs/${MAC}/rename`, payload: {} });
    expect(missing.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ field: 'new_mac_address' }] } });
  });

  it('honours If-Match on the source', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } });
    const res = await app.inject({
      method: 'POST',
      url: `/api/configs/${MAC}/rename`,
      headers: { 'if-match': '"stale"' },
      payload: { new_mac_address: NEW_MAC },
    });
    expect(res.statusCode).toBe(412);
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
  });

  it('of many concurrent renames to one target, exactly one wins and no file is lost or doubled', async () => {
    const { app, dir } = await buildTestApp();
    const sources = ['01', '02', '03', '04', '05', '06'].map((last) => `aa-bb-cc-dd-ee-${last}`);
    for (const mac of sources) await app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: { deviceName: mac } } });
    const results = await Promise.all(
      sources.map((mac) => app.inject({ method: 'POST', url: `/api/configs/${mac}/rename`, payload: { new_mac_address: NEW_MAC } })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const files = await namesIn(dir);
    expect(files).toHaveLength(6);
    expect(files).toContain(`${NEW_MAC}.json`);
  });
});

describe('GET /api/configs', () => {
  it('is exactly the JSON of { configs, count, skipped }, before and after a change', async () => {
    const { app, dir } = await buildTestApp();
    const names = ['Kitchen "north"', 'Café\u2028line', 'back\\slash'];
    for (const [i, deviceName] of names.entries()) {
      await app.inject({ method: 'PUT', url: `/api/configs/aa-bb-cc-dd-ee-0${i}`, payload: { content: { deviceName, enableOTA: i === 0 } } });
    }
    await fs.writeFile(path.join(dir, 'aa-bb-cc-dd-ee-09.json'), '{"broken');
    await app.configStore.refreshListing();
    const first = await app.inject('/api/configs');
    expect(first.json().skipped).toHaveLength(1);
    expect(first.body).toBe(JSON.stringify(first.json()));
    await app.inject({ method: 'PUT', url: '/api/configs/aa-bb-cc-dd-ee-01', payload: { content: { deviceName: 'renamed <é>' } } });
    const second = await app.inject('/api/configs');
    expect(second.json().configs.map((c: { device_name: string }) => c.device_name)).toEqual([names[0], 'renamed <é>', names[2]]);
    expect(second.body).toBe(JSON.stringify(second.json()));
  });

  it('lists summaries sorted by MAC with count and skipped files', async () => {
    const { app, dir } = await buildTestApp();
    for (const mac of ['cc-00-00-00-00-01', 'aa-00-00-00-00-01', 'bb-00-00-00-00-01']) {
      await app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: { deviceName: mac, enableOTA: false } } });
    }
    await fs.writeFile(path.join(dir, 'dd-00-00-00-00-01.json'), '{broken');
    await fs.writeFile(path.join(dir, 'ee-00-00-00-00-01.json'), '[]');
    await fs.writeFile(path.join(dir, 'README.txt'), 'hello');
    await fs.writeFile(path.join(dir, 'AA-00-00-00-00-02.json'), '{}');
    await fs.mkdir(path.join(dir, 'ff-00-00-00-00-01.json'));
    await app.configStore.refreshListing();
    const res = await app.inject('/api/configs');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.count).toBe(3);
    expect(body.configs).toEqual([
      { mac_address: 'aa-00-00-00-00-01', device_name: 'aa-00-00-00-00-01', device_entity_id: null, enable_ota: false, fetch: { state: 'never_fetched' }, validation: NO_SCHEMA_ITEM },
      { mac_address: 'bb-00-00-00-00-01', device_name: 'bb-00-00-00-00-01', device_entity_id: null, enable_ota: false, fetch: { state: 'never_fetched' }, validation: NO_SCHEMA_ITEM },
      { mac_address: 'cc-00-00-00-00-01', device_name: 'cc-00-00-00-00-01', device_entity_id: null, enable_ota: false, fetch: { state: 'never_fetched' }, validation: NO_SCHEMA_ITEM },
    ]);
    expect(body.skipped.map((s: { filename: string }) => s.filename)).toEqual([
      'AA-00-00-00-00-02.json',
      'README.txt',
      'dd-00-00-00-00-01.json',
      'ee-00-00-00-00-01.json',
      'ff-00-00-00-00-01.json',
    ]);
    for (const skipped of body.skipped) expect(skipped.reason).toEqual(expect.any(String));
    expect(body.skipped[2].reason).toMatch(/invalid JSON/);
    expect(body.skipped[3].reason).toMatch(/array/);
  });

  it('stays sorted by MAC as configs are created, replaced, renamed and deleted after it was served', async () => {
    const { app } = await buildTestApp();
    const listed = async () => (await app.inject('/api/configs')).json().configs.map((c: { mac_address: string; device_name: string }) => `${c.mac_address} ${c.device_name}`);
    const put = (mac: string, deviceName: string) => app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: { deviceName } } });
    await put('bb-00-00-00-00-01', 'b');
    await put('dd-00-00-00-00-01', 'd');
    expect(await listed()).toEqual(['bb-00-00-00-00-01 b', 'dd-00-00-00-00-01 d']);
    await put('cc-00-00-00-00-01', 'c');
    await put('aa-00-00-00-00-01', 'a');
    expect(await listed()).toEqual(['aa-00-00-00-00-01 a', 'bb-00-00-00-00-01 b', 'cc-00-00-00-00-01 c', 'dd-00-00-00-00-01 d']);
    await put('bb-00-00-00-00-01', 'b2');
    expect(await listed()).toEqual(['aa-00-00-00-00-01 a', 'bb-00-00-00-00-01 b2', 'cc-00-00-00-00-01 c', 'dd-00-00-00-00-01 d']);
    await app.inject({ method: 'DELETE', url: '/api/configs/cc-00-00-00-00-01' });
    expect(await listed()).toEqual(['aa-00-00-00-00-01 a', 'bb-00-00-00-00-01 b2', 'dd-00-00-00-00-01 d']);
    await app.inject({ method: 'POST', url: '/api/configs/aa-00-00-00-00-01/rename', payload: { new_mac_address: 'ee-00-00-00-00-01' } });
    expect(await listed()).toEqual(['bb-00-00-00-00-01 b2', 'dd-00-00-00-00-01 d', 'ee-00-00-00-00-01 a']);
  });

  it('reaches a client that reads it slowly whole, while saves rebuild the list in memory freed by other answers', async () => {
    const dir = await tempDir();
    const macs = Array.from({ length: 400 }, (_, i) => `aa-bb-cc-dd-${String(Math.floor(i / 100)).padStart(2, '0')}-${String(i % 100).padStart(2, '0')}`);
    // 400 names of 60 KB: a 24 MB list, more than loopback's socket buffers hold, so its answer waits on the reader.
    for (const [i, mac] of macs.entries()) await fs.writeFile(fileOf(dir, mac), JSON.stringify({ deviceName: `${i}:${'n'.repeat(60_000)}` }));
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/configs`;
    const stalled = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, resolve).on('error', reject));
    stalled.pause();
    for (let round = 0; round < 4; round++) {
      await app.inject({ method: 'PUT', url: `/api/configs/${macs[round]}`, payload: { content: { deviceName: `changed ${round}` } } });
      const listed = (await (await fetch(url)).json()) as { configs: { device_name: string }[] };
      expect(listed.configs[round]!.device_name).toBe(`changed ${round}`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stalled) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { configs: { device_name: string }[]; count: number };
    expect(body.count).toBe(400);
    expect(body.configs.every((c, i) => c.device_name === `${i}:${'n'.repeat(60_000)}`)).toBe(true);
  });

  it('reflects its own writes at once', async () => {
    const { app } = await buildTestApp();
    expect((await app.inject('/api/configs')).json().count).toBe(0);
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent('new') } });
    expect((await app.inject('/api/configs')).json().configs[0].device_name).toBe('new');
    await app.inject({ method: 'DELETE', url: `/api/configs/${MAC}` });
    expect((await app.inject('/api/configs')).json().count).toBe(0);
  });

  it('shows a file added, changed or removed by hand within 2 seconds', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject('/api/configs');
    const waitFor = async (check: (body: { configs: { device_name: string | null }[] }) => boolean) => {
      const started = Date.now();
      for (;;) {
        const body = (await app.inject('/api/configs')).json();
        if (check(body)) return Date.now() - started;
        if (Date.now() - started > 2000) throw new Error(`not seen within 2 s: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await fs.writeFile(fileOf(dir), JSON.stringify({ deviceName: 'by hand' }));
    expect(await waitFor((b) => b.configs[0]?.device_name === 'by hand')).toBeLessThanOrEqual(2000);
    await fs.writeFile(fileOf(dir), JSON.stringify({ deviceName: 'edited in place' }));
    expect(await waitFor((b) => b.configs[0]?.device_name === 'edited in place')).toBeLessThanOrEqual(2000);
    await fs.rm(fileOf(dir));
    expect(await waitFor((b) => b.configs.length === 0)).toBeLessThanOrEqual(2000);
  });
});
