import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { deviceConfig, macOf, storedBytes } from '../../bench/fleet.js';
import { buildTestApp, tempDir } from '../helpers/app.js';

const CONFIGS = 10_000;

async function writeFleet(dir: string): Promise<void> {
  for (let start = 0; start < CONFIGS; start += 500) {
    await Promise.all(Array.from({ length: Math.min(500, CONFIGS - start) }, (_, k) => fs.writeFile(path.join(dir, `${macOf(start + k)}.json`), storedBytes(deviceConfig(start + k)))));
  }
}

/** The wall and CPU time of one request, in ms. */
async function timed(app: FastifyInstance, url: string) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const res = await app.inject(url);
  const { user, system } = process.cpuUsage(cpu);
  return { res, wallMs: Math.round(performance.now() - started), cpuMs: Math.round((user + system) / 1000) };
}

// Timings go to the test log; docs/fleet.md quotes them.
describe('fleet routes on 10,000 realistic configs', { timeout: 600_000 }, () => {
  it('answers the checks and the search from memory', async () => {
    const dir = await tempDir();
    await writeFleet(dir);
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: dir, RATE_LIMIT_PER_MINUTE: '0', UNIQUE_KEYS: 'deviceEntityId,wifi.hostname,mqtt.port' });
    expect((await app.inject('/api/configs')).json().count).toBe(CONFIGS);
    const first = await timed(app, '/api/configs/checks');
    const again = await timed(app, '/api/configs/checks');
    expect(first.res.json().duplicates).toEqual([{ path: 'mqtt.port', value: 1883, mac_addresses: Array.from({ length: CONFIGS }, (_, i) => macOf(i)) }]);
    const figures = [`checks: first ${first.wallMs} ms (${first.cpuMs} ms CPU), then ${again.wallMs} ms (${again.cpuMs} ms CPU)`];
    for (const q of ['nothing-matches-this', 'nothing-matches-that', 'homelab-iot', 'sensors.2.pin', 'bme280']) {
      const search = await timed(app, `/api/configs/search?q=${q}`);
      expect(search.res.statusCode).toBe(200);
      figures.push(`search ${q}: ${search.wallMs} ms (${search.cpuMs} ms CPU), ${search.res.json().matches.length} matches`);
    }
    console.log(figures.join('\n'));
    const miss = await timed(app, '/api/configs/search?q=nothing-matches-at-all');
    expect(miss.res.json()).toEqual({ matches: [], truncated: false });
    // Generous: the machine running the tests may be loaded; the log has the figures.
    expect(miss.wallMs).toBeLessThan(2_000);
  });

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
