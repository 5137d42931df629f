import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { spawnServer, waitForServer, type ServerProcess } from '../helpers/server-process.js';

const CONFIGS = 10_000;
const MIB = 1_048_576;

const macOf = (i: number) => `02-00-00-${[(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff].map((byte) => byte.toString(16).padStart(2, '0')).join('-')}`;
const contentOf = (i: number) => `${JSON.stringify({ deviceName: `Device ${i}`, deviceEntityId: `sensor.device_${i}`, enableOTA: i % 2 === 0, wifi: { ssid: 'plant', channel: i % 13 }, note: 'x'.repeat(600) }, null, 2)}\n`;

/** The process's resident memory now and at its peak (VmRSS, VmHWM), in MiB. */
async function memoryOf(server: ServerProcess): Promise<{ rss: number; peak: number }> {
  const status = await fs.readFile(`/proc/${server.child.pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

async function startServer(dir: string): Promise<ServerProcess> {
  const server = spawnServer({ ESP32_CONFIGS_DIR: dir, PORT: String(await freePort()), RATE_LIMIT_PER_MINUTE: '0' });
  await waitForServer(server, 60_000);
  return server;
}

// The real server as its own process, so that its memory is measured alone; figures in docs/backup.md.
describe.skipIf(process.platform !== 'linux')('a fleet of 10,000 configs', () => {
  it('exports and imports with bounded memory, the files byte-identical', async () => {
    const source = await tempDir();
    for (let start = 0; start < CONFIGS; start += 500) {
      await Promise.all(Array.from({ length: Math.min(500, CONFIGS - start) }, (_, k) => fs.writeFile(path.join(source, `${macOf(start + k)}.json`), contentOf(start + k))));
    }
    const exporter = await startServer(source);
    expect(((await (await fetch(`${exporter.url}/api/configs`)).json()) as { configs: unknown[] }).configs).toHaveLength(CONFIGS);
    const beforeExport = await memoryOf(exporter);
    let started = performance.now();
    const response = await fetch(`${exporter.url}/api/export`);
    const archive = Buffer.from(await response.arrayBuffer());
    const exportMs = performance.now() - started;
    const afterExport = await memoryOf(exporter);

    const target = await tempDir();
    const importer = await startServer(target);
    const beforeImport = await memoryOf(importer);
    started = performance.now();
    const imported = await fetch(`${importer.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: archive });
    const importMs = performance.now() - started;
    const afterImport = await memoryOf(importer);
    const result = (await imported.json()) as { create: string[] };

    const figures = {
      configs: CONFIGS,
      archive_mib: +(archive.length / MIB).toFixed(2),
      export_ms: Math.round(exportMs),
      export_rss_before_mib: Math.round(beforeExport.rss),
      export_peak_rss_mib: Math.round(afterExport.peak),
      import_ms: Math.round(importMs),
      import_rss_before_mib: Math.round(beforeImport.rss),
      import_peak_rss_mib: Math.round(afterImport.peak),
    };
    console.log(`export/import figures: ${JSON.stringify(figures)}`);
    expect(result.create).toHaveLength(CONFIGS);
    for (const i of [0, 4321, CONFIGS - 1]) expect(await fs.readFile(path.join(target, `${macOf(i)}.json`), 'utf8')).toBe(contentOf(i));
    // The export streams: its peak stays near the memory the server had before, far below the fleet's own size on disk.
    expect(afterExport.peak - beforeExport.peak).toBeLessThan(64);
    // The import holds the archive and its configs once (about 7 MiB here), never a copy per step.
    expect(afterImport.peak - beforeImport.rss).toBeLessThan(160);
  }, 240_000);
});
