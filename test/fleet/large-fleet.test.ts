import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceConfig, macOf, storedBytes } from '../../bench/fleet.js';
import { buildTestApp, tempDir } from '../helpers/app.js';

const CONFIGS = 10_000;

async function writeFleet(dir: string): Promise<void> {
  for (let start = 0; start < CONFIGS; start += 500) {
    await Promise.all(Array.from({ length: Math.min(500, CONFIGS - start) }, (_, k) => fs.writeFile(path.join(dir, `${macOf(start + k)}.json`), storedBytes(deviceConfig(start + k)))));
  }
}

// Timings go to the test log; docs/fleet.md quotes them.
describe('fleet routes on 10,000 realistic configs', { timeout: 600_000 }, () => {
  it('previews and saves a bulk edit of every config', async () => {
    const dir = await tempDir();
    await writeFleet(dir);
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir, RATE_LIMIT_PER_MINUTE: '0' });
    expect((await app.inject('/api/configs')).json().count).toBe(CONFIGS);
    const macs = Array.from({ length: CONFIGS }, (_, i) => macOf(i));
    const change = { macs, set: [{ path: 'mqtt.keepAliveSeconds', value: 90 }, { path: 'firmware.channel', value: 'stable' }] };

    let started = performance.now();
    const preview = await app.inject({ method: 'POST', url: '/api/configs/bulk?dry_run=true', payload: change });
    const previewMs = performance.now() - started;
    expect(preview.statusCode).toBe(200);
    const previewed = preview.json().results as { status: string; etag: string }[];
    expect(previewed.every((r) => r.status === 'saved')).toBe(true);

    const if_match = Object.fromEntries(macs.map((mac, i) => [mac, previewed[i]!.etag]));
    started = performance.now();
    const saved = await app.inject({ method: 'POST', url: '/api/configs/bulk', payload: { ...change, if_match } });
    const saveMs = performance.now() - started;
    expect(saved.statusCode).toBe(200);
    expect((saved.json().results as { status: string }[]).filter((r) => r.status !== 'saved')).toEqual([]);
    console.log(`bulk edit of ${CONFIGS} configs: dry run ${Math.round(previewMs)} ms (${Math.round(preview.body.length / 1024)} KiB), save ${Math.round(saveMs)} ms`);

    const sample = JSON.parse(await fs.readFile(path.join(dir, `${macOf(1234)}.json`), 'utf8'));
    expect(sample.mqtt.keepAliveSeconds).toBe(90);
    expect((await app.inject(`/api/configs/${macOf(1234)}/history`)).json().versions[0]).toMatchObject({ operation: 'update' });
  });
});
