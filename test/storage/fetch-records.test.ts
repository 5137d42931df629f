import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { FetchRecords, type FetchRecordsOptions } from '../../src/storage/fetch-records.js';
import { FsCalls } from '../../src/storage/fs-calls.js';
import { tempDir } from '../helpers/app.js';

const silent = pino({ level: 'silent' });
const MAC = 'aa-bb-cc-dd-ee-ff';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function records(dir: string, options: Partial<FetchRecordsOptions> = {}): FetchRecords {
  const made = new FetchRecords({ dir, logger: silent, flushMs: 3_600_000, pollMs: 3_600_000, ...options });
  onTestFinished(() => made.close());
  return made;
}

const fetchesDir = (dir: string) => path.join(dir, '.iot-config', 'fetches');
const ownFile = (dir: string, r: FetchRecords) => path.join(fetchesDir(dir), `${r.replicaId}.json`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('fetch records on disk', () => {
  it('are written only when changed, and a failed write leaves the previous file whole and no temp file', async () => {
    const dir = await tempDir();
    const io = new FsCalls();
    const r = records(dir, { io });
    r.record(MAC, 200, '"one"', '10.0.0.1', 'esp32');
    await r.flush();
    const first = await fs.readFile(ownFile(dir, r), 'utf8');
    expect(JSON.parse(first).records[MAC]).toMatchObject({ etag: '"one"', count: 1 });
    const { mtimeMs } = await fs.stat(ownFile(dir, r));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.flush();
    expect((await fs.stat(ownFile(dir, r))).mtimeMs).toBe(mtimeMs);

    r.record(MAC, 200, '"two"', '10.0.0.1', 'esp32');
    const rename = vi.spyOn(io, 'rename').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' }));
    await r.flush();
    expect(rename).toHaveBeenCalledTimes(1);
    expect(await fs.readFile(ownFile(dir, r), 'utf8')).toBe(first);
    expect(await fs.readdir(path.join(dir, '.iot-config', 'tmp'))).toEqual([]);
    // Retried on the next turn.
    await r.flush();
    expect(JSON.parse(await fs.readFile(ownFile(dir, r), 'utf8')).records[MAC]).toMatchObject({ etag: '"two"', count: 2 });
  });

  it('keep the previous file whole when the writing process is killed mid-flush', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const loader = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');
    for (let kill = 0; kill < 5; kill++) {
      const child = spawn(process.execPath, ['--import', loader, path.join(ROOT, 'test/storage/fetch-flush-child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      onTestFinished(() => void child.kill('SIGKILL'));
      // Killed after a few whole flushes, at a moment that varies with each round.
      let flushes = 0;
      await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => (flushes += String(chunk).split('\n').length - 1) >= 2 && resolve()));
      await new Promise((resolve) => setTimeout(resolve, kill * 7));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    const files = await fs.readdir(fetchesDir(dir));
    expect(files).toHaveLength(5);
    for (const file of files) {
      const stored = JSON.parse(await fs.readFile(path.join(fetchesDir(dir), file), 'utf8'));
      expect(Object.keys(stored.records)).toHaveLength(5000);
    }
    // Every killed writer's records are read back.
    const reader = records(dir);
    await reader.start();
    expect(reader.all().size).toBe(5000);
  });

  it('merge other replicas\' files (latest fetch wins, counts summed) and forget a removed file', async () => {
    const dir = await tempDir();
    const a = records(dir);
    const b = records(dir);
    a.record(MAC, 200, '"old"', '10.0.0.1', 'esp32');
    await new Promise((resolve) => setTimeout(resolve, 5));
    b.record(MAC, 304, '"new"', '10.0.0.2', 'esp32 v2');
    await Promise.all([a.flush(), b.flush()]);
    await Promise.all([a.poll(), b.poll()]);
    for (const r of [a, b]) expect(r.get(MAC)).toMatchObject({ etag: '"new"', client: '10.0.0.2', count: 2, lastResult: 304 });
    const version = a.version;
    await a.poll();
    expect(a.version).toBe(version);

    await fs.rm(ownFile(dir, b));
    await a.poll();
    expect(a.get(MAC)).toMatchObject({ etag: '"old"', count: 1 });
  });

  it('remove the file of a replica not heard from for 30 days, and skip a corrupt one', async () => {
    const dir = await tempDir();
    const gone = records(dir);
    gone.record(MAC, 200, '"gone"', '10.0.0.1', null);
    await gone.flush();
    const old = new Date(Date.now() - 31 * 86_400_000);
    await fs.utimes(ownFile(dir, gone), old, old);
    await fs.writeFile(path.join(fetchesDir(dir), 'corrupt.json'), '{not json');
    const r = records(dir);
    await r.start();
    expect(r.all().size).toBe(0);
    expect(await fs.readdir(fetchesDir(dir))).toEqual(['corrupt.json']);
  });
});

describe('fetch records in memory', () => {
  it('stop taking new MACs once full, and keep counting the known ones', async () => {
    const dir = await tempDir();
    const r = records(dir, { maxRecords: 2 });
    for (const mac of ['aa-00-00-00-00-01', 'aa-00-00-00-00-02', 'aa-00-00-00-00-03']) r.record(mac, 404, null, '10.0.0.1', null);
    r.record('aa-00-00-00-00-01', 404, null, '10.0.0.1', null);
    expect([...r.all().keys()]).toEqual(['aa-00-00-00-00-01', 'aa-00-00-00-00-02']);
    expect(r.get('aa-00-00-00-00-01')?.count).toBe(2);
  });
});
