import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC, sampleContent, tempDir } from '../helpers/app.js';
import { makeTar, postImport, snapshotTree, type TarEntry } from '../helpers/archives.js';

const run = promisify(execFile);
const OTHER = '11-22-33-44-55-66';
const good: TarEntry = { name: `${OTHER}.json`, body: '{"deviceName": "good"}' };

/** The app with one config, the tree of its directory's parent (so a write outside it shows), and a check that nothing changed. */
async function setUp(env: Record<string, string> = {}) {
  // The config directory inside a folder of its own, so that a file written beside it would show.
  const parent = await tempDir();
  const dir = path.join(parent, 'configs');
  await fs.mkdir(dir);
  const { app } = await buildTestApp({ ...env, ESP32_CONFIGS_DIR: dir });
  await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: sampleContent() } });
  const before = await snapshotTree(parent);
  const unchanged = async () => expect(await snapshotTree(parent)).toEqual(before);
  return { app, dir, unchanged };
}

describe('hostile import archives are refused whole, with nothing written', () => {
  const refusals: [string, TarEntry[]][] = [
    ['an absolute path', [good, { name: '/tmp/evil/aa-bb-cc-dd-ee-01.json', body: '{}' }]],
    ['`..`', [good, { name: '../aa-bb-cc-dd-ee-01.json', body: '{}' }]],
    ['`..` deeper', [good, { name: 'configs/../../aa-bb-cc-dd-ee-01.json', body: '{}' }]],
    ['a symbolic link', [good, { name: 'aa-bb-cc-dd-ee-01.json', type: 'symlink', linkname: '/etc/passwd' }]],
    ['a hard link', [good, { name: 'aa-bb-cc-dd-ee-01.json', type: 'link', linkname: `${OTHER}.json` }]],
    ['a device file', [good, { name: 'aa-bb-cc-dd-ee-01.json', type: 'character-device', devmajor: 1, devminor: 3 }]],
    ['a fifo', [good, { name: 'aa-bb-cc-dd-ee-01.json', type: 'fifo' }]],
    ['a name twice', [good, { ...good, body: '{"deviceName": "second"}' }]],
    ['one MAC in two spellings', [good, { name: 'dir/112233445566.json', body: '{}' }]],
  ];
  for (const [what, entries] of refusals) {
    it(`refuses ${what}`, async () => {
      const { app, unchanged } = await setUp();
      for (const gzip of [true, false]) {
        const response = await postImport(app, await makeTar(entries, gzip));
        expect(response.statusCode, what).toBe(422);
        expect(response.json()).toMatchObject({ code: 'ARCHIVE_REFUSED', correlationId: expect.any(String) });
      }
      await unchanged();
    });
  }

  it('refuses more than 100,000 entries', async () => {
    const { app, unchanged } = await setUp();
    const entries: TarEntry[] = Array.from({ length: 100_001 }, (_, i) => ({ name: `d${i}/`, type: 'directory' }));
    const response = await postImport(app, await makeTar([good, ...entries]));
    expect(response.json()).toMatchObject({ code: 'ARCHIVE_REFUSED', details: { reason: expect.stringMatching(/100000 entries/) } });
    await unchanged();
  }, 60_000);

  it('refuses a compression bomb while unpacking, once past MAX_IMPORT_BYTES', async () => {
    const { app, unchanged } = await setUp({ MAX_IMPORT_BYTES: String(1_048_576) });
    // Each entry is under the size of a config file; together they unpack to far more than the limit.
    const zeros = Buffer.alloc(900_000, 0x20);
    const bomb = await makeTar([good, ...Array.from({ length: 40 }, (_, i) => ({ name: `pad-${i}.json`, body: zeros }))]);
    expect(bomb.length).toBeLessThan(200_000);
    const response = await postImport(app, bomb);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 1_048_576 } });
    await unchanged();
  });

  it('refuses an upload over MAX_IMPORT_BYTES, and one entry over the size of a config file', async () => {
    const { app, unchanged } = await setUp({ MAX_IMPORT_BYTES: '2048', MAX_BODY_BYTES: '1024' });
    const big = await postImport(app, Buffer.alloc(4096, 1));
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatch(/MAX_IMPORT_BYTES/);
    const { app: other, unchanged: otherUnchanged } = await setUp({ MAX_BODY_BYTES: '1024' });
    const entry = await postImport(other, await makeTar([good, { name: 'aa-bb-cc-dd-ee-01.json', body: `{"a": "${'x'.repeat(20_000)}"}` }]));
    expect(entry.statusCode).toBe(413);
    await unchanged();
    await otherUnchanged();
  });

  it('refuses a body that is no archive, and a corrupt gzip', async () => {
    const { app, unchanged } = await setUp();
    expect((await postImport(app, Buffer.from('{"content": {}}'))).json().code).toBe('ARCHIVE_REFUSED');
    const tar = await makeTar([good]);
    expect((await postImport(app, Buffer.concat([tar.subarray(0, 30), Buffer.alloc(30, 7)]))).json().code).toBe('ARCHIVE_REFUSED');
    expect((await postImport(app, gzipSync(Buffer.from('plain text, not a tar')))).json().code).toBe('ARCHIVE_REFUSED');
    await unchanged();
  });

  it('reports non-UTF-8 and non-object JSON as invalid, and writes the rest', async () => {
    const { app, dir } = await setUp();
    const response = await postImport(app, await makeTar([
      good,
      { name: 'aa-bb-cc-dd-ee-01.json', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
      { name: 'aa-bb-cc-dd-ee-02.json', body: '[1, 2]' },
      { name: 'aa-bb-cc-dd-ee-03.json', body: '"text"' },
    ]));
    expect(response.json()).toMatchObject({
      create: [OTHER],
      invalid: [
        { entry: 'aa-bb-cc-dd-ee-01.json', reason: expect.stringMatching(/UTF-8/) },
        { entry: 'aa-bb-cc-dd-ee-02.json', reason: expect.stringMatching(/array/) },
        { entry: 'aa-bb-cc-dd-ee-03.json', reason: expect.stringMatching(/string/) },
      ],
    });
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.json')).sort()).toEqual([`${OTHER}.json`, `${MAC}.json`]);
  });
});

describe('hostile zip archives are refused too', () => {
  /** A zip made by the real `zip` tool in `dir` from `files`, with `zip` options. */
  async function makeZip(files: Record<string, string>, options: string[] = []): Promise<Buffer> {
    const dir = await tempDir();
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), text);
    }
    await run('zip', ['-q', '-r', ...options, 'archive.zip', ...Object.keys(files).map((name) => name.split('/')[0]!)], { cwd: dir });
    return fs.readFile(path.join(dir, 'archive.zip'));
  }

  it('refuses a symbolic link, `..`, and a bomb', async () => {
    const { app, dir, unchanged } = await setUp({ MAX_IMPORT_BYTES: String(1_048_576) });
    const linkDir = await tempDir();
    await fs.writeFile(path.join(linkDir, `${OTHER}.json`), '{}');
    await fs.symlink('/etc/passwd', path.join(linkDir, 'aa-bb-cc-dd-ee-01.json'));
    await run('zip', ['-q', '--symlinks', 'links.zip', `${OTHER}.json`, 'aa-bb-cc-dd-ee-01.json'], { cwd: linkDir });
    const link = await postImport(app, await fs.readFile(path.join(linkDir, 'links.zip')), '', 'application/zip');
    expect(link.json()).toMatchObject({ code: 'ARCHIVE_REFUSED', details: { reason: expect.stringMatching(/symbolic link/) } });

    // The name `AA/…` made by zip, turned into `../…` in place: zip itself never writes one.
    const escaping = await makeZip({ [`${OTHER}.json`]: '{}', 'AA/aa-bb-cc-dd-ee-01.json': '{}' });
    const patched = Buffer.from(escaping.toString('latin1').replaceAll('AA/', '../'), 'latin1');
    expect((await postImport(app, patched, '', 'application/zip')).json().code).toBe('ARCHIVE_REFUSED');

    const zeros = ' '.repeat(900_000);
    const bomb = await makeZip({ [`${OTHER}.json`]: '{}', 'pad/one.json': zeros, 'pad/two.json': zeros });
    expect(bomb.length).toBeLessThan(100_000);
    expect((await postImport(app, bomb, '', 'application/zip')).statusCode).toBe(413);
    await unchanged();
    expect(await fs.readdir(dir)).not.toContain(`${OTHER}.json`);
  });
});
