/**
 * The cost of recording device fetches (issue #26): the device fetch with
 * tracking on against the same service with FETCH_TRACKING=false, in the
 * same rounds, and a boot storm of 1,000 distinct devices, every one of
 * which must then be recorded (in the list at once, and in the replica's
 * file after its flush).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request } from 'autocannon';
import type { Fleet } from './fleet.js';
import type { LoadSpec, Measurement } from './load.js';
import type { RunningServer, ServiceOptions } from './processes.js';
import type { ScenarioResult, TargetCheck } from './report.js';

export const FETCH_TRACKING_IDS = ['fetch-random', 'fetch-304', 'fetch-storm'] as const;
const STORM_DEVICES = 1000;
/** The device fetch with tracking on keeps at least this share of its throughput without. */
const TRACKING_SHARE = 0.9;
/** The service flushes its records this often (FetchRecords), plus a margin. */
const FLUSH_WAIT_MS = 6_500;

interface Scenario {
  id: string;
  label: string;
  target: ScenarioResult['target'];
  fleet: number;
  spec: LoadSpec;
}

export interface FetchTrackingRun {
  fleet200: Fleet;
  fleet10k: Fleet;
  connections: number;
  repetitions: number;
  selected(id: string): boolean;
  log(message: string): void;
  copyOfFleet(fleet: Fleet, suffix: string): Promise<string>;
  startReadyService(fleet: Fleet, options: ServiceOptions, configsDir: string): Promise<RunningServer>;
  runScenarios(scenarios: Scenario[], servers: Partial<Record<ScenarioResult['target'], RunningServer>>): Promise<ScenarioResult[]>;
  measureBootStorm(server: RunningServer, paths: readonly string[]): Promise<Measurement>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const pct = (value: number) => `${Math.round(value * 100)}%`;

/** How many of `macs` the service lists as fetched at least `times` times. */
async function recordedIn(server: RunningServer, macs: ReadonlySet<string>, times: number): Promise<number> {
  const list = (await (await fetch(`http://127.0.0.1:${server.port}/api/configs`)).json()) as { configs: { mac_address: string; fetch?: { count?: number } }[] };
  return list.configs.filter((c) => macs.has(c.mac_address) && (c.fetch?.count ?? 0) >= times).length;
}

/** How many records the service's own file of fetch records holds. */
async function recordedOnDisk(configsDir: string): Promise<number> {
  const dir = path.join(configsDir, '.iot-config', 'fetches');
  let most = 0;
  for (const name of await fs.readdir(dir)) {
    const stored = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as { records: object };
    most = Math.max(most, Object.keys(stored.records).length);
  }
  return most;
}

export async function measureFetchTracking(run: FetchTrackingRun): Promise<{ scenarios: ScenarioResult[]; targets: TargetCheck[] }> {
  const scenarios: ScenarioResult[] = [];
  const targets: TargetCheck[] = [];
  const { fleet200, connections } = run;
  const spec = (request: Request, expectedStatus = [200]): LoadSpec => ({ request, connections, expectedStatus });

  if (run.selected('fetch-random') || run.selected('fetch-304')) {
    const on = await run.startReadyService(fleet200, { name: 'tracking-on', logLevel: 'warn' }, await run.copyOfFleet(fleet200, 'tracking-on'));
    const off = await run.startReadyService(fleet200, { name: 'tracking-off', logLevel: 'warn', env: { FETCH_TRACKING: 'false' } }, await run.copyOfFleet(fleet200, 'tracking-off'));
    try {
      const paths = fleet200.devices.map((d) => `/api/configs/${d.mac}.json`);
      const random: Request = { method: 'GET', path: paths[0], setupRequest: (request) => ({ ...request, path: paths[Math.floor(Math.random() * paths.length)] }) };
      const etag = (await fetch(`http://127.0.0.1:${on.port}${paths[0]}`)).headers.get('etag')!;
      const notModified: Request = { method: 'GET', path: paths[0], headers: { 'if-none-match': etag } };
      const list: Scenario[] = [];
      for (const [id, label, request, status] of [
        ['fetch-random', 'Device fetch, random MACs', random, [200]],
        ['fetch-304', 'Device fetch, If-None-Match → 304', notModified, [304]],
      ] as const) {
        list.push({ id, label: `Tracking on: ${label}`, target: 'service', fleet: 200, spec: spec(request, [...status]) });
        list.push({ id: `tracking-off-${id}`, label: `Tracking off: ${label}`, target: 'tracking-off', fleet: 200, spec: spec(request, [...status]) });
      }
      const results = await run.runScenarios(list, { service: on, 'tracking-off': off });
      scenarios.push(...results);
      for (const id of ['fetch-random', 'fetch-304']) {
        const withTracking = results.find((s) => s.id === id);
        const without = results.find((s) => s.id === `tracking-off-${id}`);
        if (!withTracking || !without) continue;
        // Round by round: both ran one after the other in each round, so the drift between rounds cancels out.
        const ratios = withTracking.runs.map((r, i) => r.rps / without.runs[i]!.rps);
        targets.push({
          name: `${withTracking.label.replace('Tracking on: ', '')}: tracking on vs off`,
          measured: `${pct(median(ratios))} (rounds ${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))}): ${Math.round(withTracking.median.rps)} vs ${Math.round(without.median.rps)} req/s, p99 ${withTracking.median.p99.toFixed(2)} vs ${without.median.p99.toFixed(2)} ms`,
          goal: `≥ ${pct(TRACKING_SHARE)}`,
          met: median(ratios) >= TRACKING_SHARE,
        });
      }
    } finally {
      await off.stop();
      await on.stop();
    }
  }

  if (run.selected('fetch-storm')) {
    const dir = await run.copyOfFleet(run.fleet10k, 'tracking-storm');
    const server = await run.startReadyService(run.fleet10k, { name: 'tracking-storm', logLevel: 'warn' }, dir);
    try {
      const devices = run.fleet10k.devices.filter((_d, i) => i % 10 === 3).slice(0, STORM_DEVICES);
      const macs = new Set(devices.map((d) => d.mac));
      const paths = devices.map((d) => `/esp32/config/${d.mac}.json`);
      const runs: Measurement[] = [];
      const recorded: number[] = [];
      for (let rep = 1; rep <= run.repetitions; rep++) {
        const m = await run.measureBootStorm(server, paths);
        runs.push(m);
        // The list takes in new fetches at most every second.
        await sleep(1_100);
        recorded.push(await recordedIn(server, macs, rep));
        run.log(`${rep}/${run.repetitions} boot storm with tracking: ${m.requests}/${STORM_DEVICES} answered, max ${Math.round(m.max)} ms, ${recorded.at(-1)} recorded ${rep} time(s)`);
      }
      await sleep(FLUSH_WAIT_MS);
      const onDisk = await recordedOnDisk(dir);
      scenarios.push({ id: 'fetch-storm', label: `Boot storm with tracking, ${STORM_DEVICES.toLocaleString('en-US')} distinct devices`, target: 'service', fleet: 10_000, runs, median: runs[Math.floor(runs.length / 2)]!, extra: { recorded: Math.min(...recorded), onDisk } });
      const answered = runs.every((r) => r.errors === 0 && r.requests === STORM_DEVICES);
      targets.push({
        name: `Boot storm of ${STORM_DEVICES.toLocaleString('en-US')} distinct devices, recorded`,
        measured: `${answered ? 'all' : 'not all'} answered, slowest ${Math.round(Math.max(...runs.map((r) => r.max)))} ms; recorded in the list: ${Math.min(...recorded)} (fewest over rounds), in the replica's file: ${onDisk}`,
        goal: `all ${STORM_DEVICES.toLocaleString('en-US')} recorded`,
        met: answered && Math.min(...recorded) === STORM_DEVICES && onDisk === STORM_DEVICES,
      });
    } finally {
      await server.stop();
    }
  }
  return { scenarios, targets };
}
