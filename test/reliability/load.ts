import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkEnvelope, figures, macOf, putBody, request, storedBytes, violation, type Response } from './lib/client.js';
import { Service } from './lib/service.js';

const FLEET = 200;
const WORKERS = 32;

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

/**
 * Sustained mixed load (device fetches, conditional fetches, lists, reads,
 * writes and If-Match writes) from closed-loop workers as fast as the
 * service answers, with RSS sampled; every write is verified at the end.
 */
export async function loadPhase(root: string, seconds: number, log: (line: string) => void): Promise<void> {
  const dir = path.join(root, 'load');
  await fs.mkdir(dir);
  const service = await Service.start({ ESP32_CONFIGS_DIR: dir });
  try {
    const macs = Array.from({ length: FLEET }, (_, i) => macOf(0x1000 + i));
    const lastAcked = new Map<string, { bytes: string; etag: string }>();
    for (const mac of macs) {
      const content = { deviceName: `device ${mac}`, deviceEntityId: `sensor.d${mac.replaceAll('-', '')}`, enableOTA: true, wifi: { ssid: 'home' }, seq: 0 };
      const res = await request(service.port, `/api/configs/${mac}`, { method: 'PUT', body: putBody(content) });
      lastAcked.set(mac, { bytes: storedBytes(content), etag: String(res.headers.etag) });
    }
    // Warm up before the first RSS reading, so it measures a running service rather than a cold one.
    for (let i = 0; i < 500; i++) await request(service.port, `/api/configs/${macs[i % FLEET]}.json`);
    const rssStart = service.rss();
    const rssSamples = [rssStart];
    const sampler = setInterval(() => {
      if (service.alive) rssSamples.push(service.rss());
    }, 5_000);

    const until = Date.now() + seconds * 1000;
    let done = 0;
    let worstMs = 0;
    const latencies: number[] = [];
    const expect = (res: Response, allowed: number[], what: string) => {
      done++;
      worstMs = Math.max(worstMs, res.ms);
      if (latencies.length < 200_000) latencies.push(res.ms);
      if (!allowed.includes(res.status)) violation(`load: ${what} answered ${res.status}: ${res.body.subarray(0, 200).toString()}`);
      checkEnvelope(res, `load: ${what}`);
    };
    const worker = async (w: number) => {
      // Each worker alone writes its own slice of the fleet, so the last acknowledged write per MAC is known.
      const own = macs.filter((_, i) => i % WORKERS === w);
      let seq = 0;
      while (Date.now() < until) {
        const roll = Math.random();
        const mac = macs[Math.floor(Math.random() * FLEET)]!;
        try {
          if (roll < 0.5) expect(await request(service.port, `/api/configs/${mac}.json`), [200], 'device GET');
          else if (roll < 0.65) expect(await request(service.port, `/esp32/config/${mac}.json`, { headers: { 'if-none-match': lastAcked.get(mac)!.etag } }), [200, 304], 'conditional device GET');
          else if (roll < 0.72) expect(await request(service.port, '/api/configs'), [200], 'list');
          else if (roll < 0.8) expect(await request(service.port, `/api/configs/${mac}`), [200], 'GET');
          else {
            const target = own[seq % own.length]!;
            const content = { deviceName: `device ${target}`, enableOTA: seq % 2 === 0, seq: ++seq, worker: w, note: 'n'.repeat(seq % 4000) };
            const conditional = roll >= 0.93;
            const res = await request(service.port, `/api/configs/${target}`, {
              method: 'PUT',
              headers: conditional ? { 'if-match': lastAcked.get(target)!.etag } : {},
              body: putBody(content),
            });
            expect(res, [200], conditional ? 'If-Match PUT' : 'PUT');
            if (res.status === 200) lastAcked.set(target, { bytes: storedBytes(content), etag: String(res.headers.etag) });
          }
        } catch (error) {
          violation(`load: request failed: ${(error as Error).message}`);
          await sleep(100);
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const rssEnd = service.rss();

    for (const [mac, acked] of lastAcked) {
      figures.configsVerified++;
      const actual = await fs.readFile(path.join(dir, `${mac}.json`), 'utf8').catch(() => null);
      if (actual !== acked.bytes) {
        figures.lost++;
        violation(`load: ${mac}.json is not the last acknowledged write`);
      }
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    // Memory is stable when it does not keep growing: allow the heap to settle, not to double.
    if (rssEnd > rssStart * 2 && rssEnd - rssStart > 100 * 1_048_576) violation(`load: RSS grew from ${mb(rssStart)} to ${mb(rssEnd)}`);
    if (!service.alive) violation('load: the server died');
    log(
      `load: ${seconds} s, ${WORKERS} concurrent clients, ${done} requests (${(done / elapsed).toFixed(0)} req/s), p99 ${p99.toFixed(1)} ms, worst ${worstMs.toFixed(0)} ms; ` +
        `RSS start ${mb(rssStart)}, end ${mb(rssEnd)} (samples ${rssSamples.map(mb).join(' ')}); ${FLEET} configs verified against the last acknowledged write`,
    );
  } finally {
    await service.kill('SIGKILL');
  }
}
