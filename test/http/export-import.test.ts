import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC, sampleContent, tempDir } from '../helpers/app.js';
import { listTarGz, makeTar, postImport, snapshotTree } from '../helpers/archives.js';

const run = promisify(execFile);
const OTHER = '11-22-33-44-55-66';
const THIRD = '0a-0b-0c-0d-0e-0f';
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const put = (app: App, mac: string, content: unknown) => app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content } });
const exportOf = async (app: App, query = '') => {
  const response = await app.inject(`/api/export${query}`);
  expect(response.statusCode).toBe(200);
  return response.rawPayload;
};

describe('export', () => {
  it('streams every file with its exact bytes, invalid ones marked, and the manifest from the same bytes', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, MAC, sampleContent());
    await fs.writeFile(path.join(dir, `${OTHER}.json`), '{"n": 1.50, "n": 2}\n');
    await fs.writeFile(path.join(dir, `${THIRD}.json`), '[1, 2]');
    await fs.writeFile(path.join(dir, 'notes.txt'), 'not a config');
    await fs.symlink('/etc/passwd', path.join(dir, 'aa-bb-cc-dd-ee-01.json'));
    const response = await app.inject('/api/export');
    expect(response.headers['content-type']).toBe('application/gzip');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="iot-configs-\d{8}T\d{6}Z\.tar\.gz"$/);
    const files = await listTarGz(response.rawPayload);
    expect([...files.keys()]).toEqual([`configs/${THIRD}.json`, `configs/${OTHER}.json`, `configs/${MAC}.json`, 'manifest.json']);
    for (const mac of [MAC, OTHER, THIRD]) expect(files.get(`configs/${mac}.json`)).toEqual(await fs.readFile(path.join(dir, `${mac}.json`)));
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toMatchObject({ format: 1, count: 3, service_version: expect.any(String), exported_at: expect.any(String) });
    const third = manifest.configs.find((each: { mac_address: string }) => each.mac_address === THIRD);
    expect(third).toMatchObject({ valid: false, size: 6 });
    const mine = manifest.configs.find((each: { mac_address: string }) => each.mac_address === MAC);
    expect(mine.etag).toBe((await app.inject(`/api/configs/${MAC}`)).headers.etag);
    expect(mine.valid).toBe(true);
    // A symbolic link is never followed: named in the manifest, not exported.
    expect(manifest.skipped).toEqual([{ file: 'aa-bb-cc-dd-ee-01.json', reason: expect.stringMatching(/symbolic link/) }]);
  });

  it('exports a config saved meanwhile whole, old or new, its manifest from the same bytes', async () => {
    const { app } = await buildTestApp();
    for (let i = 0; i < 200; i++) await put(app, `02-00-00-00-00-${i.toString(16).padStart(2, '0')}`, sampleContent(`n${i}`));
    const texts = ['a', 'b'].map((name) => ({ deviceName: name.repeat(50_000) }));
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await put(app, MAC, texts[i % 2]);
    })();
    for (let round = 0; round < 5; round++) {
      const files = await listTarGz(await exportOf(app));
      const bytes = files.get(`configs/${MAC}.json`);
      if (bytes === undefined) continue;
      expect(texts).toContainEqual(JSON.parse(bytes.toString()));
      const entry = JSON.parse(files.get('manifest.json')!.toString()).configs.find((each: { mac_address: string }) => each.mac_address === MAC);
      expect(entry.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    writing = false;
    await writer;
  });

  it('adds the version history with include=history, and the schemas with include=schemas', async () => {
    const { app } = await buildTestApp();
    await put(app, MAC, sampleContent('one'));
    await put(app, MAC, sampleContent('two'));
    const files = await listTarGz(await exportOf(app, '?include=history'));
    expect([...files.keys()].filter((name) => name.startsWith(`history/${MAC}/`))).toHaveLength(2);
    const schema = '{"type": "object"}';
    expect((await app.inject({ method: 'PUT', url: '/api/schemas/default', headers: { 'content-type': 'application/json' }, payload: schema })).statusCode).toBe(200);
    const withSchemas = await listTarGz(await exportOf(app, '?include=schemas,history'));
    expect(JSON.parse(withSchemas.get('schemas/default.json')!.toString())).toEqual({ type: 'object' });
    expect([...withSchemas.keys()].filter((name) => name.startsWith(`history/${MAC}/`))).toHaveLength(2);
    expect((await app.inject('/api/export?include=everything')).statusCode).toBe(400);
  });

  it('answers 503 in the envelope when the directory is gone', async () => {
    const { app, dir } = await buildTestApp();
    await fs.rm(dir, { recursive: true });
    const response = await app.inject('/api/export');
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('STORAGE_UNAVAILABLE');
  });
});

describe('import', () => {
  it('restores an export into an empty directory byte for byte, each write an `import` version', async () => {
    const source = await buildTestApp();
    await put(source.app, MAC, sampleContent());
    await fs.writeFile(path.join(source.dir, `${OTHER}.json`), '\uFEFF{"deviceName": "bom", "n": 1.50}');
    await fs.writeFile(path.join(source.dir, `${THIRD}.json`), 'not json');
    const archive = await exportOf(source.app);

    const target = await buildTestApp();
    const dry = await postImport(target.app, archive, 'dry_run=true');
    expect(dry.json()).toEqual({ dry_run: true, mode: 'merge', create: [OTHER, MAC], update: [], unchanged: [], delete: [], invalid: [{ entry: `configs/${THIRD}.json`, reason: expect.stringMatching(/invalid JSON/) }], conflicts: [] });
    expect(await fs.readdir(target.dir)).toEqual([]);

    const applied = await postImport(target.app, archive);
    expect(applied.statusCode).toBe(200);
    expect(applied.json()).toMatchObject({ dry_run: false, create: [OTHER, MAC] });
    for (const mac of [MAC, OTHER]) expect(await fs.readFile(path.join(target.dir, `${mac}.json`))).toEqual(await fs.readFile(path.join(source.dir, `${mac}.json`)));
    const history = (await target.app.inject(`/api/configs/${MAC}/history`)).json().versions;
    expect(history).toMatchObject([{ operation: 'import', actor: 'anonymous@127.0.0.1' }]);
    // Importing again changes nothing.
    expect((await postImport(target.app, archive)).json()).toMatchObject({ create: [], update: [], unchanged: [OTHER, MAC] });
  });

  it('merges: creates and updates, never deletes; replace deletes only with the right confirm', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, MAC, sampleContent('old'));
    await put(app, OTHER, sampleContent('kept'));
    const before = (await app.inject(`/api/configs/${MAC}`)).headers.etag;
    const archive = await makeTar([
      { name: `backup/${MAC.toUpperCase().replaceAll('-', ':')}.json`, body: '{"deviceName": "new"}' },
      { name: `${THIRD.replaceAll('-', '')}.json`, body: '{"deviceName": "third"}' },
      { name: 'dir/', type: 'directory' },
      { name: 'README.txt', body: 'hello' },
    ]);
    const merged = await postImport(app, archive, 'mode=merge');
    expect(merged.json()).toMatchObject({ create: [THIRD], update: [{ mac_address: MAC, current_etag: before }], delete: [], invalid: [{ entry: 'README.txt' }] });
    expect(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toBe('{"deviceName": "new"}');
    expect(await fs.readFile(path.join(dir, `${OTHER}.json`), 'utf8')).toContain('kept');

    const plan = await postImport(app, archive, 'mode=replace&dry_run=true');
    expect(plan.json()).toMatchObject({ delete: [OTHER], unchanged: [THIRD, MAC] });
    for (const query of ['mode=replace', 'mode=replace&confirm=2', 'mode=replace&confirm=0']) {
      const refused = await postImport(app, archive, query);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'IMPORT_NOT_CONFIRMED', details: { deletions: 1 } });
      expect(await fs.readFile(path.join(dir, `${OTHER}.json`), 'utf8')).toContain('kept');
    }
    const replaced = await postImport(app, archive, 'mode=replace&confirm=1');
    expect(replaced.json()).toMatchObject({ delete: [OTHER] });
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.json')).sort()).toEqual([`${THIRD}.json`, `${MAC}.json`]);
  });

  it('reports a config changed since if_unchanged_since, or since the manifest, as a conflict and leaves it alone', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, MAC, sampleContent('exported'));
    await put(app, OTHER, sampleContent('exported'));
    const archive = await exportOf(app);
    const exportedAt = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put(app, MAC, sampleContent('changed after'));
    await fs.rm(path.join(dir, `${OTHER}.json`));

    const since = await postImport(app, archive, `if_unchanged_since=${encodeURIComponent(exportedAt)}`);
    expect(since.json()).toMatchObject({ create: [OTHER], update: [], conflicts: [{ mac_address: MAC, reason: expect.stringMatching(/after if_unchanged_since/) }] });
    expect(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toContain('changed after');

    await fs.rm(path.join(dir, `${OTHER}.json`));
    const manifest = await postImport(app, archive, 'if_match=manifest');
    expect(manifest.json().conflicts.map((each: { mac_address: string }) => each.mac_address)).toEqual([OTHER, MAC]);
    expect(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toContain('changed after');
    // Without conditions the archive wins.
    expect((await postImport(app, archive)).json()).toMatchObject({ create: [OTHER], update: [{ mac_address: MAC }] });
    const noManifest = await postImport(app, await makeTar([{ name: `${MAC}.json`, body: '{}' }]), 'if_match=manifest');
    expect(noManifest.statusCode).toBe(400);
  });

  it('imports an archive made by hand with `tar czf backup.tar.gz *.json`, and a zip', async () => {
    const { app, dir } = await buildTestApp();
    const hand = await tempDir();
    await fs.writeFile(path.join(hand, `${MAC}.json`), '{"deviceName": "by hand"}\n');
    await fs.writeFile(path.join(hand, 'AABBCCDDEE00.json'), '{"deviceName": "bare"}\n');
    await run('sh', ['-c', 'tar czf backup.tar.gz *.json && zip -q backup.zip *.json && tar cf backup.tar *.json'], { cwd: hand });
    const gz = await postImport(app, await fs.readFile(path.join(hand, 'backup.tar.gz')), '', 'application/octet-stream');
    expect(gz.json()).toMatchObject({ create: ['aa-bb-cc-dd-ee-00', MAC], invalid: [] });
    expect(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toBe('{"deviceName": "by hand"}\n');
    await fs.writeFile(path.join(hand, `${MAC}.json`), '{"deviceName": "zip"}\n');
    await run('zip', ['-q', 'backup.zip', `${MAC}.json`], { cwd: hand });
    expect((await postImport(app, await fs.readFile(path.join(hand, 'backup.zip')), '', 'application/zip')).json()).toMatchObject({ update: [{ mac_address: MAC }], unchanged: ['aa-bb-cc-dd-ee-00'] });
    expect(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toBe('{"deviceName": "zip"}\n');
    expect((await postImport(app, await fs.readFile(path.join(hand, 'backup.tar')), '', 'application/x-tar')).json()).toMatchObject({ update: [{ mac_address: MAC }] });
  });

  it('writes nothing on a dry run', async () => {
    const { app, dir } = await buildTestApp();
    await put(app, MAC, sampleContent());
    const before = await snapshotTree(dir);
    const archive = await makeTar([{ name: `${MAC}.json`, body: '{"a": 1}' }, { name: `${OTHER}.json`, body: '{"b": 2}' }]);
    expect((await postImport(app, archive, 'dry_run=true&mode=replace')).json()).toMatchObject({ create: [OTHER], update: [{ mac_address: MAC }] });
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('reports a config that fails its JSON Schema as invalid and writes the others', async () => {
    const { app, dir } = await buildTestApp();
    const schema = { type: 'object', properties: { port: { type: 'integer' } } };
    expect((await app.inject({ method: 'PUT', url: '/api/schemas/default', payload: schema })).statusCode).toBe(200);
    const archive = await makeTar([{ name: `${MAC}.json`, body: '{"port": "1883"}' }, { name: `${OTHER}.json`, body: '{"port": 1883}' }]);
    const plan = (await postImport(app, archive, 'dry_run=true')).json();
    expect(plan).toMatchObject({ create: [OTHER], invalid: [{ entry: `${MAC}.json`, reason: expect.stringMatching(/^fails its JSON Schema default: \/port /) }] });
    const done = await postImport(app, archive, '');
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ create: [OTHER], invalid: [{ entry: `${MAC}.json` }] });
    await expect(fs.access(path.join(dir, `${MAC}.json`))).rejects.toThrow();
    expect(JSON.parse(await fs.readFile(path.join(dir, `${OTHER}.json`), 'utf8'))).toEqual({ port: 1883 });
  });

  it('adds both texts of one update to a dry run asked for its diff', async () => {
    const { app } = await buildTestApp();
    await put(app, MAC, { deviceName: 'now' });
    const archive = await makeTar([{ name: `${MAC}.json`, body: '{"deviceName": "archived"}' }]);
    const response = await postImport(app, archive, `dry_run=true&diff=${MAC.toUpperCase()}`);
    expect(response.json().diff).toEqual({ mac_address: MAC, current_text: '{\n  "deviceName": "now"\n}\n', archive_text: '{"deviceName": "archived"}' });
  });

  it('answers 415 for another content type', async () => {
    const { app } = await buildTestApp();
    const response = await postImport(app, await makeTar([]), '', 'text/plain');
    expect(response.statusCode).toBe(415);
  });
});
