/**
 * `npm run bench`: generates fleets of 200 and 10,000 configs, starts the
 * built service at LOG_LEVEL=warn (and nginx, when installed, serving the
 * same files; the reference servers; the service at its default
 * LOG_LEVEL=info for the raw GET; with --baseline, another checkout's build),
 * measures each scenario in rounds and checks the targets of
 * docs/performance.md. Prints a Markdown table and writes the figures as JSON
 * to bench/results/; a full run (neither --quick nor --only) also writes them
 * to bench/latest-results.json, which is committed
 * (`npx tsx bench/performance-table.ts` prints its tables).
 *
 *   npm run bench                         full run (about 10 minutes on 2 cores; 12 with --baseline)
 *   npm run bench -- --quick              short runs, for development
 *   npm run bench -- --repetitions 5      rounds per scenario (default and minimum 3), for steadier medians
 *   npm run bench -- --compare old.json   also print deltas against an earlier run
 *   npm run bench -- --baseline ../old    also measure another checkout's built server (../old/dist/server/server.js) in the same rounds
 *   npm run bench -- --only 'raw|list'    only the scenarios whose id matches (ids: see the JSON)
 *   npm run bench -- --only fetch         only the cost of device fetch tracking (bench/fetch-tracking.ts)
 *   npm run bench -- --save-latest        write bench/latest-results.json even with --quick or --only
 *   npm run bench -- --dir /mnt/configs   generate the fleets on that volume (default: the system's temp directory)
 *   npm run bench -- --connections 30     keep-alive connections per scenario (default 10)
 *   npm run bench -- --mixed              also the mixed load (90% raw GET / 8% list / 2% PUT), with the references and the durable writer only it needs
 *   npm run bench -- --writer-thread      --mixed, plus bare Node saving through one writer thread
 *   npm run bench -- --skip-nginx --skip-references
 *   npm run bench -- --no-build           measure dist/ as it is
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Request, RequestParams } from 'autocannon';
import { FETCH_TRACKING_IDS, measureFetchTracking } from './fetch-tracking.js';
import { storedBytes, writeFleet, type Fleet } from './fleet.js';
import { STATE_DIR_NAME } from '../src/storage/state-directory.js';
import { ABSENT_ACTOR, writeHistory } from './history.js';
import { measureBootStorm, measureLoad, type LoadSpec, type Measurement, type Timing } from './load.js';
import { DEVICE_SCHEMA } from './device-schema.js';
import { killAllStarted, listenOverflows, startDurableWriter, logTail, nginxVersion, rssMb, startFlags, startNginx, startReference, startService, type ReferenceKind, type RunningServer, type ServiceOptions } from './processes.js';
import { comparisonReport, LATEST_RESULTS, markdownReport, median, medianOf, type BenchResult, type RoundRatio, type ScenarioResult, type StartupResult, type TargetCheck } from './report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    compare: { type: 'string' },
    repetitions: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'skip-nginx': { type: 'boolean', default: false },
    'skip-references': { type: 'boolean', default: false },
    only: { type: 'string' },
    dir: { type: 'string' },
    connections: { type: 'string' },
    mixed: { type: 'boolean', default: false },
    'writer-thread': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    'save-latest': { type: 'boolean', default: false },
  },
});

const quick = args.quick!;
const repetitions = Math.max(3, Number(args.repetitions ?? 3));
const timing: Timing = quick ? { warmupSeconds: 1, seconds: 2 } : { warmupSeconds: 2, seconds: 8 };
const only = args.only ? new RegExp(args.only) : null;
const selected = (id: string) => only === null || only.test(id);
const CONNECTIONS = Number(args.connections ?? 10);
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1) {
  process.stderr.write(`[bench] --connections must be a whole number of at least 1, not "${args.connections}"\n`);
  process.exit(2);
}
/** The mixed load and what exists only for it, retired from the default run: with --mixed (or --writer-thread). */
const withMixed = args.mixed! || args['writer-thread']!;
const baselineRoot = args.baseline === undefined ? null : path.resolve(args.baseline);
if (baselineRoot !== null && !existsSync(path.join(baselineRoot, 'dist/server/server.js'))) {
  process.stderr.write(`[bench] --baseline: ${baselineRoot}/dist/server/server.js is missing: build that checkout first (npx tsc -p tsconfig.json there)\n`);
  process.exit(2);
}
/** A run of every scenario writes bench/latest-results.json; a partial one only when asked. */
const saveLatest = args['save-latest']! || (!quick && only === null);
const STORM_DEVICES = 1000;
/** A save with its version kept may take this many times a save without (issue: history). */
const SAVE_WITH_HISTORY_MAX = 1.5;
/** Issue #27: a save checked against a schema takes at most this many times a save without one. */
const SAVE_WITH_SCHEMA_MAX = 1.2;
/** The audit query's p99 with 10,000 configs of 100 versions each. */
const AUDIT_P99_MS = 200;
const STARTUP_TARGET_MS = 2000;
const STARTUP_RSS_TARGET_MB = 150;
/** The device fetch's share of nginx's throughput that is expected since every request goes through Fastify (docs/adr/0001-one-request-pipeline.md). */
const RAW_GET_SHARE_OF_NGINX = 0.35;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The variables of this environment, which every server started inherits, that change how Node and libuv run. */
function runtimeEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => /^(UV_|NODE_OPTIONS$)/.test(entry[0]) && entry[1] !== undefined));
}

function sh(command: string, commandArgs: string[], cwd = repoRoot): string {
  const result = spawnSync(command, commandArgs, { cwd, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

function build(): void {
  if (args['no-build']) {
    if (!existsSync(path.join(repoRoot, 'dist/server/server.js'))) throw new Error('dist/server/server.js is missing: run without --no-build');
    return;
  }
  log('building the server (npm run build:server)');
  const result = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    // tsc still emits on type errors (e.g. someone's work in progress): measure what was emitted, but say so.
    if (!existsSync(path.join(repoRoot, 'dist/server/server.js'))) throw new Error('npm run build:server failed');
    log('warning: npm run build:server reported errors; benchmarking the JavaScript it emitted');
  }
}

interface Answer {
  status: number;
  body: unknown;
  etag: string | null;
  headers: Headers;
}

async function getJson(port: number, urlPath: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: only the status matters then.
  }
  return { status: response.status, body, etag: response.headers.get('etag'), headers: response.headers };
}

/** Headers that differ from one response to the next, or that a server adds by itself; the reference servers send the rest as the service did. */
const PER_RESPONSE_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'etag', 'x-request-id']);

function sameOnEveryResponse(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => !PER_RESPONSE_HEADERS.has(name)));
}

/** The names of the headers sent, sorted (Keep-Alive's parameters are each server's own). */
function headerNames(headers: Headers): string {
  return [...headers.keys()].filter((name) => name !== 'keep-alive').sort().join(' ');
}

const putJson = (port: number, urlPath: string, body: string): Promise<Answer> => getJson(port, urlPath, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });

/** The baseline may send other headers (an earlier version sent fewer security headers on JSON): only its status and body must be the service's. */
function assertSameStatusAndBody(name: string, service: Answer, other: Answer): void {
  if (other.status !== service.status || JSON.stringify(other.body) !== JSON.stringify(service.body)) {
    throw new Error(`the ${name} does not answer as the service does: status ${other.status} vs ${service.status}${other.status === service.status ? ', another body' : ''}`);
  }
}

/** A reference server, or the service at another log level, that answered differently from the service would measure something else. */
function assertSameAnswer(name: string, service: Answer, reference: Answer): void {
  if (
    reference.status !== service.status ||
    reference.etag !== service.etag ||
    headerNames(reference.headers) !== headerNames(service.headers) ||
    JSON.stringify(reference.body) !== JSON.stringify(service.body)
  ) {
    throw new Error(`the ${name} server does not answer as the service does: ${reference.status} ${headerNames(reference.headers)} vs ${service.status} ${headerNames(service.headers)}`);
  }
}

/** Time from spawn until health answers 200 and the list holds the whole fleet. */
async function waitUntilReady(server: RunningServer, fleetSize: number, startedAt: number): Promise<number> {
  const deadline = startedAt + 30_000;
  while (performance.now() < deadline) {
    try {
      const health = await getJson(server.port, '/api/health');
      if (health.status === 200) {
        const list = await getJson(server.port, '/api/configs');
        if (list.status === 200 && (list.body as { count: number }).count === fleetSize) return performance.now() - startedAt;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(5);
  }
  throw new Error(`the ${server.name} was not ready within 30 s:\n${logTail(server.logFile)}`);
}

/** Starts a service (by default this checkout's, at LOG_LEVEL=warn) on `configsDir`, which holds `fleet`'s configs, and waits until it is ready. */
async function startReadyService(fleet: Fleet, workDir: string, options?: ServiceOptions, configsDir = fleet.dir): Promise<{ server: RunningServer; readyMs: number }> {
  const startedAt = performance.now();
  const server = await startService(repoRoot, configsDir, workDir, options);
  const readyMs = await waitUntilReady(server, fleet.devices.length, startedAt);
  return { server, readyMs };
}

/** A copy of the fleet's configs, with their timestamps, for a server whose files must not meet the service's. */
async function copyOfFleet(fleet: Fleet, suffix: string): Promise<string> {
  const dir = `${fleet.dir}-${suffix}`;
  // The configs alone: the state a server left in the fleet's directory (history, fetch records) is not copied.
  await fs.cp(fleet.dir, dir, { recursive: true, preserveTimestamps: true, filter: (source) => path.basename(source) !== STATE_DIR_NAME });
  return dir;
}

/** A copy of the fleet with the schema of device-schema.ts as its `default`, written where the service keeps schemas. */
async function copyWithSchema(fleet: Fleet): Promise<string> {
  const dir = await copyOfFleet(fleet, 'schema-on');
  await fs.mkdir(path.join(dir, '.iot-config', 'schemas'), { recursive: true });
  await fs.writeFile(path.join(dir, '.iot-config', 'schemas', 'default.json'), `${JSON.stringify(DEVICE_SCHEMA, null, 2)}\n`);
  return dir;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function get(urlPath: string, headers?: Record<string, string>): Request {
  return { method: 'GET', path: urlPath, ...(headers ? { headers } : {}) };
}

function randomGet(paths: readonly string[]): Request {
  return { method: 'GET', path: paths[0], setupRequest: (request) => ({ ...request, path: pick(paths) }) };
}

function putBody(fleet: Fleet, index: number): string {
  // The content each device already has: the stored bytes stay the same, every write is still a full durable write.
  return JSON.stringify({ content: fleet.devices[index]!.content });
}

const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };

/** Every device's save body, by index. */
function putBodies(fleet: Fleet): string[] {
  return fleet.devices.map((_d, i) => putBody(fleet, i));
}

// For loads that mix kinds of request: each request is set whole, since autocannon keeps the fields of the one before.
function asGet(request: RequestParams, urlPath: string): RequestParams {
  return { ...request, method: 'GET', path: urlPath, headers: {}, body: Buffer.alloc(0) };
}

function asSave(request: RequestParams, fleet: Fleet, bodies: readonly string[], index: number): RequestParams {
  return { ...request, method: 'PUT', path: `/api/configs/${fleet.devices[index]!.mac}`, headers: JSON_HEADERS, body: bodies[index] };
}

/** The list and a save of the next config (each device's own content, a full durable write), in turn: half the requests each, over all connections. */
function listAndSave(fleet: Fleet): Request {
  const bodies = putBodies(fleet);
  let requests = 0;
  return {
    method: 'GET',
    path: '/api/configs',
    setupRequest: (request) => {
      const i = requests++;
      return i % 2 === 0 ? asGet(request, '/api/configs') : asSave(request, fleet, bodies, (i >> 1) % fleet.devices.length);
    },
  };
}

type Target = ScenarioResult['target'];

/** Bare Node under the mixed load with each save's durable write made whole by one worker thread (with --writer-thread). */
const WRITER_THREAD = 'node-http-writer-thread';
/** Bare Node under the mixed load saving under the service's lock, with the service's own storage code. */
const LOCKED = 'node-http-locked';
/** The references that run the mixed load only. */
type MixedOnlyKind = typeof WRITER_THREAD | typeof LOCKED;
/**
 * The reference servers, by scenario target (bench/reference-server.mjs): how far the runtime alone gets
 * with the service's answer, and how far Fastify gets doing only the per-request work the service must do.
 */
const REFERENCES: Record<Exclude<ReferenceKind, MixedOnlyKind>, string> = {
  'node-http': 'node:http, same answer',
  fastify: 'Fastify, same answer',
  'fastify-duties': 'Fastify, same answer + duties',
};
/** The bare Node references that answer the mixed load: saving through the thread pool, through a writer thread, or under the service's lock. */
const BARE_NODE = {
  'node-http': REFERENCES['node-http'],
  [WRITER_THREAD]: 'node:http, writes in a worker thread',
  [LOCKED]: "node:http, the service's lock and write",
} as const;
type BareNodeKind = keyof typeof BARE_NODE;
/** The service's own variants, by scenario target: the service at its default log level, and the baseline (--baseline). */
const SERVICE_VARIANTS = {
  'service-info': 'Service at LOG_LEVEL=info',
  baseline: 'Baseline',
  'history-off': 'Service with HISTORY_LIMIT=0',
  'schema-on': 'Service with a default JSON Schema every config passes',
} as const;

/** The service's scenario a scenario stands beside: its id without the target's prefix. */
const counterpart = (s: { id: string; target: Target }): string => (s.target === 'service' ? s.id : s.id.slice(`${s.target}-`.length));

interface Scenario {
  id: string;
  label: string;
  target: Target;
  fleet: number;
  spec: LoadSpec;
  /** Figures derived from a run, e.g. the read throughput of the mixed load. */
  extra?: (m: Measurement) => Record<string, number>;
  /** Another process run beside the load (from before the warm-up to the end of the run), and the figures it gives. */
  beside?: () => { stop(m: Measurement): Promise<Record<string, number>> };
}

/** Which servers beside the service run the fleet of 200's scenarios. */
interface OtherServers {
  nginx: boolean;
  references: boolean;
  /** The service at LOG_LEVEL=info, for the raw GET of one MAC. */
  serviceInfo: boolean;
  /** The baseline's ETag of the first config, which its 304 scenario sends; null without a baseline. */
  baselineEtagOfFirst: string | null;
  /** The references running the mixed load only; the mixed load itself runs with withMixed. */
  mixedOnly: readonly MixedOnlyKind[];
  /** The service with its history off, for the saves: what keeping a version costs. */
  historyOff: boolean;
  /** The service with a schema every config passes, for the saves: what validating costs. */
  schemaOn: boolean;
}

function fleetScenarios(fleet: Fleet, etagOfFirst: string, others: OtherServers): Scenario[] {
  const macs = fleet.devices.map((d) => d.mac);
  const first = macs[0]!;
  const rawPaths = macs.map((mac) => `/api/configs/${mac}.json`);
  const bodies = putBodies(fleet);
  const n = fleet.devices.length;
  const spec = (request: Request, expectedStatus = [200]): LoadSpec => ({ request, connections: CONNECTIONS, expectedStatus });

  let nextPut = 0;
  const putDistinct: Request = {
    method: 'PUT',
    path: `/api/configs/${first}`,
    headers: JSON_HEADERS,
    body: bodies[0],
    setupRequest: (request) => {
      const i = nextPut++ % n;
      return { ...request, path: `/api/configs/${macs[i]}`, body: bodies[i] };
    },
  };

  /** The mixed load (90% raw GET of random MACs, 8% list, 2% PUT of a random MAC) against `target`, counted by kind. */
  const mixedScenario = (id: string, label: string, target: Target, onMeasured: (writeRps: number) => void = () => undefined): Scenario => {
    const counts = { reads: 0, lists: 0, writes: 0 };
    const request: Request = {
      method: 'GET',
      path: rawPaths[0],
      setupRequest: (request) => {
        const r = Math.random();
        if (r < 0.9) {
          counts.reads++;
          return asGet(request, pick(rawPaths));
        }
        if (r < 0.98) {
          counts.lists++;
          return asGet(request, '/api/configs');
        }
        counts.writes++;
        return asSave(request, fleet, bodies, Math.floor(Math.random() * n));
      },
    };
    return {
      id,
      label,
      target,
      fleet: n,
      spec: {
        ...spec(request),
        beforeMeasuredRun: () => {
          counts.reads = counts.lists = counts.writes = 0;
        },
      },
      extra: (m) => {
        onMeasured(counts.writes / m.seconds);
        return { readRps: counts.reads / m.seconds, listRps: counts.lists / m.seconds, writeRps: counts.writes / m.seconds };
      },
    };
  };
  // The write rate the mixed load reached last, which the writer beside pure reads repeats (2% of ~10,000 req/s until measured).
  let mixedWriteRps = 200;
  const MIXED_LABEL = 'Mixed 90% raw GET / 8% list / 2% PUT';

  const scenarios: Scenario[] = [];
  const withBaseline = others.baselineEtagOfFirst !== null;
  const onBaseline = (id: string, label: string, request: Request, expectedStatus?: number[]) => {
    if (withBaseline) scenarios.push({ id: `baseline-${id}`, label: `${SERVICE_VARIANTS.baseline}: ${label}`, target: 'baseline', fleet: n, spec: spec(request, expectedStatus) });
  };
  /** nginx, the service and the baseline: the device fetch, which nginx answers too. */
  const deviceFetch = (id: string, label: string, request: Request) => {
    if (others.nginx) scenarios.push({ id: `nginx-${id}`, label: `nginx: ${label}`, target: 'nginx', fleet: n, spec: spec(request) });
    scenarios.push({ id, label, target: 'service', fleet: n, spec: spec(request) });
    onBaseline(id, label, request);
  };
  /** The same scenario against each reference server, which gives the service's answer. */
  const onReferences = (id: string, label: string, request: Request) => {
    if (!others.references) return;
    for (const [kind, name] of Object.entries(REFERENCES) as [ReferenceKind, string][]) {
      scenarios.push({ id: `${kind}-${id}`, label: `${name}: ${label}`, target: kind, fleet: n, spec: spec(request) });
    }
  };
  const RAW_ONE_LABEL = 'Raw GET, one MAC';
  deviceFetch('raw-one', RAW_ONE_LABEL, get(`/api/configs/${first}.json`));
  if (others.serviceInfo) {
    scenarios.push({ id: 'service-info-raw-one', label: `${SERVICE_VARIANTS['service-info']}: ${RAW_ONE_LABEL}`, target: 'service-info', fleet: n, spec: spec(get(`/api/configs/${first}.json`)) });
  }
  onReferences('raw-one', RAW_ONE_LABEL, get(`/api/configs/${first}.json`));
  deviceFetch('raw-random', 'Raw GET, random MACs', randomGet(rawPaths));
  if (withMixed && others.references) {
    // Bare Node under the mixed load, and its own pure-read figure to compare with. With a writer thread or the
    // service's lock, bare Node reads with the same code, so the same pure reads are its yardstick too: a second run
    // of them would only add the noise between two runs of one thing.
    const name = BARE_NODE['node-http'];
    scenarios.push(
      { id: 'node-http-raw-random', label: `${name}: Raw GET, random MACs`, target: 'node-http', fleet: n, spec: spec(randomGet(rawPaths)) },
      mixedScenario('node-http-mixed', `${name}: ${MIXED_LABEL}`, 'node-http'),
    );
    for (const kind of others.mixedOnly) scenarios.push(mixedScenario(`${kind}-mixed`, `${BARE_NODE[kind]}: ${MIXED_LABEL}`, kind));
  }
  const NOT_MODIFIED_LABEL = 'Raw GET, If-None-Match → 304';
  scenarios.push({ id: 'raw-304', label: NOT_MODIFIED_LABEL, target: 'service', fleet: n, spec: spec(get(`/api/configs/${first}.json`, { 'if-none-match': etagOfFirst }), [304]) });
  if (withBaseline) onBaseline('raw-304', NOT_MODIFIED_LABEL, get(`/api/configs/${first}.json`, { 'if-none-match': others.baselineEtagOfFirst! }), [304]);
  scenarios.push({ id: 'wrapped-one', label: 'Wrapped GET, one MAC', target: 'service', fleet: n, spec: spec(get(`/api/configs/${first}`)) });
  onBaseline('wrapped-one', 'Wrapped GET, one MAC', get(`/api/configs/${first}`));
  onReferences('wrapped-one', 'Wrapped GET, one MAC', get(`/api/configs/${first}`));
  const listLabel = `List of ${n.toLocaleString('en-US')}`;
  scenarios.push({ id: `list-${n}`, label: listLabel, target: 'service', fleet: n, spec: spec(get('/api/configs')) });
  onBaseline(`list-${n}`, listLabel, get('/api/configs'));
  const PUT_DISTINCT_LABEL = 'PUT, distinct MACs (durable)';
  scenarios.push({ id: 'put-distinct', label: PUT_DISTINCT_LABEL, target: 'service', fleet: n, spec: spec(putDistinct) });
  if (others.historyOff) {
    scenarios.push({ id: 'history-off-put-distinct', label: `${SERVICE_VARIANTS['history-off']}: ${PUT_DISTINCT_LABEL}`, target: 'history-off', fleet: n, spec: spec(putDistinct) });
  }
  if (others.schemaOn) {
    scenarios.push({ id: 'schema-on-put-distinct', label: `${SERVICE_VARIANTS['schema-on']}: ${PUT_DISTINCT_LABEL}`, target: 'schema-on', fleet: n, spec: spec(putDistinct) });
  }
  if (withMixed && others.references) {
    // What a durable write costs bare Node, for the mixed load's figures: the same answer and bytes stored, with no lock and no checks.
    scenarios.push({ id: 'node-http-put-distinct', label: `${REFERENCES['node-http']}: ${PUT_DISTINCT_LABEL}`, target: 'node-http', fleet: n, spec: spec(putDistinct) });
  }
  scenarios.push({
    id: 'put-one',
    label: 'PUT, one MAC (durable)',
    target: 'service',
    fleet: n,
    spec: spec({ method: 'PUT', path: `/api/configs/${first}`, headers: JSON_HEADERS, body: bodies[0] }),
  });
  if (!withMixed) return scenarios;
  scenarios.push(
    mixedScenario('mixed', MIXED_LABEL, 'service', (writeRps) => {
      mixedWriteRps = writeRps;
    }),
    {
      // The filesystem's share of the mixed load's cost: pure reads while another process makes the
      // mixed load's writes (at the rate the last mixed run reached), with only the calls a durable write needs.
      id: 'raw-random-beside-writes',
      label: 'Raw GET, random MACs, beside durable writes by another process',
      target: 'service',
      fleet: n,
      spec: spec(randomGet(rawPaths)),
      beside: () => {
        const perSecond = Math.round(mixedWriteRps);
        const writer = startDurableWriter(repoRoot, path.join(fleet.dir, '..', `durable-writer-${n}`), perSecond, fleet.averageBytes);
        const startedAt = performance.now();
        return {
          async stop() {
            const { writes, cpuSeconds } = await writer.stop();
            const seconds = (performance.now() - startedAt) / 1000;
            return { writeRps: writes / seconds, writerCpuUsPerWrite: (1e6 * cpuSeconds) / Math.max(1, writes), targetWriteRps: perSecond };
          },
        };
      },
    },
  );
  return scenarios;
}

/** Runs each scenario `repetitions` times, round-robin, so that noise from the shared machine spreads over all of them alike. */
async function runScenarios(all: Scenario[], servers: Partial<Record<Target, RunningServer>>): Promise<ScenarioResult[]> {
  // nginx, the reference servers and the service's variants run whenever the service's counterpart does: their figures stand beside it.
  const scenarios = all.filter((s) => selected(counterpart(s)));
  const runs = new Map<string, { measurements: Measurement[]; extras: Record<string, number>[] }>();
  for (let rep = 1; rep <= repetitions; rep++) {
    for (const scenario of scenarios) {
      const server = servers[scenario.target]!;
      const beside = scenario.beside?.();
      const m = await measureLoad(server, scenario.spec, timing);
      const besideFigures = await beside?.stop(m);
      const entry = runs.get(scenario.id) ?? { measurements: [], extras: [] };
      entry.measurements.push(m);
      if (scenario.extra || besideFigures) entry.extras.push({ ...scenario.extra?.(m), ...besideFigures });
      runs.set(scenario.id, entry);
      log(`${rep}/${repetitions} ${scenario.label}: ${Math.round(m.rps)} req/s, p99 ${m.p99.toFixed(2)} ms, errors ${m.errors}, server CPU ${Math.round(m.serverCpu)}%`);
    }
  }
  return scenarios.map((s) => {
    const { measurements, extras } = runs.get(s.id)!;
    return {
      id: s.id,
      label: s.label,
      target: s.target,
      fleet: s.fleet,
      runs: measurements,
      median: medianOf(measurements),
      ...(extras.length > 0 ? { extra: medianOf(extras), extraRuns: extras } : {}),
    };
  });
}

/**
 * `figure` of `scenario` over the same figure of `yardstick`, round by round: the median and the range. Both
 * ran in every round, one after the other, so each round's ratio is free of the drift between rounds that a
 * ratio of the two medians carries (on this shared VM nginx alone varies by ±20 % from round to round).
 */
function perRoundRatio(scenario: ScenarioResult, yardstick: ScenarioResult, figure: (run: Measurement, round: number) => number = (run) => run.rps): RoundRatio | undefined {
  if (scenario.runs.length !== yardstick.runs.length) throw new Error(`${scenario.id} and ${yardstick.id} ran different numbers of rounds`);
  const ratios = scenario.runs.map((run, round) => figure(run, round) / yardstick.runs[round]!.rps).filter(Number.isFinite);
  return ratios.length === 0 ? undefined : { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** The goal of a row that only informs: a figure worth reading next to the targets, with no goal of its own. */
const INFORMATIONAL = '– (informational)';

/** The audit at 10,000 configs × 100 versions, and the list beside that history. */
function historyChecks(by: (id: string) => ScenarioResult | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const audit = by('audit-10000');
  const absent = by('audit-10000-absent-actor');
  if (audit) {
    const loaded = audit.extra ?? {};
    checks.push({
      name: 'Audit, 10,000 configs × 100 versions, p99',
      measured: `${audit.median.p99.toFixed(1)} ms at ${Math.round(audit.median.rps)} req/s${absent ? `; filtered on an absent actor ${absent.median.p99.toFixed(1)} ms` : ''}; history loaded ${Math.round(loaded.firstAuditMs ?? NaN)} ms after start, RSS ${Math.round(loaded.rssMbLoaded ?? NaN)} MB`,
      goal: `< ${AUDIT_P99_MS} ms`,
      met: audit.median.p99 < AUDIT_P99_MS && (absent === undefined || absent.median.p99 < AUDIT_P99_MS),
    });
  }
  const list = by('list-10000');
  const listBeside = by('list-10000-history');
  if (listBeside) {
    checks.push({
      name: 'List of 10,000 beside 1,000,000 versions',
      measured: `${Math.round(listBeside.median.rps)} req/s, p99 ${listBeside.median.p99.toFixed(1)} ms${list ? ` (without history: ${Math.round(list.median.rps)} req/s, p99 ${list.median.p99.toFixed(1)} ms)` : ''}`,
      goal: INFORMATIONAL,
      met: null,
    });
  }
  return checks;
}

function targetChecks(scenarios: ScenarioResult[], ratios: Record<string, RoundRatio>, startup: StartupResult | null): TargetCheck[] {
  const by = (id: string) => scenarios.find((s) => s.id === id);
  const pct = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v * 100)}%`);
  const withRounds = (ratio: RoundRatio | undefined) => (ratio === undefined ? '–' : `${pct(ratio.median)} (rounds ${pct(ratio.min)}–${pct(ratio.max)})`);
  const p99 = (s: ScenarioResult) => `p99 ${s.median.p99.toFixed(2)} ms`;
  // What Node alone, Node with Fastify, and Fastify doing the required work reach with the same answer in the same run.
  const ceiling = (id: string) => {
    const references = (Object.keys(REFERENCES) as (keyof typeof REFERENCES)[]).filter((kind) => ratios[`${kind}-${id}`] !== undefined);
    return references.length > 0 ? `; ${references.map((kind) => `${REFERENCES[kind]}: ${pct(ratios[`${kind}-${id}`]!.median)}`).join(', ')}` : '';
  };
  // The same scenario against the baseline (--baseline), in the same rounds: its share of nginx, or its req/s.
  const baseline = (id: string, figure: 'ratio' | 'rps' = 'ratio') => {
    const s = by(`baseline-${id}`);
    if (!s) return '';
    return figure === 'ratio' ? `; baseline: ${withRounds(ratios[s.id])}, ${p99(s)}` : `; baseline: ${Math.round(s.median.rps)} req/s`;
  };
  const checks: TargetCheck[] = [];
  const rawOne = by('raw-one');
  const rawRandom = by('raw-random');
  for (const [id, label] of [['raw-one', 'one MAC'], ['raw-random', 'random MACs']] as const) {
    const s = by(id);
    if (!s) continue;
    checks.push({
      name: `Raw GET (${label}) vs nginx, p99`,
      measured: `${withRounds(ratios[id])}, ${p99(s)}${baseline(id)}${ceiling(id)}`,
      goal: `≥ ${pct(RAW_GET_SHARE_OF_NGINX)}, p99 < 5 ms`,
      met: ratios[id] === undefined ? null : ratios[id]!.median >= RAW_GET_SHARE_OF_NGINX && s.median.p99 < 5,
    });
  }
  const atInfo = by('service-info-raw-one');
  if (atInfo) {
    checks.push({ name: 'Raw GET (one MAC) at LOG_LEVEL=info vs nginx, p99', measured: `${withRounds(ratios[atInfo.id])}, ${p99(atInfo)}`, goal: INFORMATIONAL, met: null });
  }
  const notModified = by('raw-304');
  if (notModified && rawOne) {
    checks.push({
      name: '304 path vs raw GET',
      measured: `${Math.round(notModified.median.rps)} vs ${Math.round(rawOne.median.rps)} req/s; vs nginx raw: ${withRounds(ratios['raw-304'])}${baseline('raw-304')}`,
      goal: INFORMATIONAL,
      met: null,
    });
  }
  if (by('wrapped-one')) {
    checks.push({ name: 'Wrapped GET vs nginx raw', measured: `${withRounds(ratios['wrapped-one'])}${baseline('wrapped-one')}${ceiling('wrapped-one')}`, goal: INFORMATIONAL, met: null });
  }
  const list200 = by('list-200');
  if (list200) checks.push({ name: 'List of 200', measured: `${Math.round(list200.median.rps)} req/s${baseline('list-200', 'rps')}`, goal: '≥ 5,000 req/s', met: list200.median.rps >= 5000 });
  const list10k = by('list-10000');
  if (list10k) {
    checks.push({
      name: 'List of 10,000',
      measured: `${Math.round(list10k.median.rps)} req/s, p99 ${list10k.median.p99.toFixed(1)} ms`,
      goal: '≥ 200 req/s, p99 < 100 ms',
      met: list10k.median.rps >= 200 && list10k.median.p99 < 100,
    });
  }
  const put = by('put-distinct');
  if (put) checks.push({ name: 'PUT, distinct MACs', measured: `${Math.round(put.median.rps)} durable writes/s, errors ${put.median.errors}`, goal: INFORMATIONAL, met: null });
  const historyOff = by('history-off-put-distinct');
  const saveCost = put && historyOff ? perRoundRatio(historyOff, put) : undefined;
  if (put && historyOff && saveCost) {
    checks.push({
      name: 'Save with history on, time over history off',
      measured: `${saveCost.median.toFixed(2)}× (rounds ${saveCost.min.toFixed(2)}–${saveCost.max.toFixed(2)}); ${Math.round(put.median.rps)} vs ${Math.round(historyOff.median.rps)} writes/s, p99 ${put.median.p99.toFixed(1)} vs ${historyOff.median.p99.toFixed(1)} ms`,
      goal: `≤ ${SAVE_WITH_HISTORY_MAX}×`,
      met: saveCost.median <= SAVE_WITH_HISTORY_MAX,
    });
  }
  const schemaOn = by('schema-on-put-distinct');
  const schemaCost = put && schemaOn ? perRoundRatio(put, schemaOn) : undefined;
  if (put && schemaOn && schemaCost) {
    checks.push({
      name: 'Save with a schema, time over without',
      measured: `${schemaCost.median.toFixed(2)}× (rounds ${schemaCost.min.toFixed(2)}–${schemaCost.max.toFixed(2)}); ${Math.round(schemaOn.median.rps)} vs ${Math.round(put.median.rps)} writes/s, p99 ${schemaOn.median.p99.toFixed(1)} vs ${put.median.p99.toFixed(1)} ms`,
      goal: `≤ ${SAVE_WITH_SCHEMA_MAX}×`,
      met: schemaCost.median <= SAVE_WITH_SCHEMA_MAX,
    });
  }
  checks.push(...historyChecks(by));
  const mixed = by('mixed');
  if (mixed?.extraRuns && rawRandom) {
    // The retired target's figures, with --mixed. Each round's mixed load against the same round's pure reads.
    const readsKept = (mixedLoad: ScenarioResult, pureReads: ScenarioResult) => perRoundRatio(mixedLoad, pureReads, (_run, round) => mixedLoad.extraRuns![round]!.readRps!);
    const ratio = readsKept(mixed, rawRandom);
    if (ratio === undefined) throw new Error('the mixed load kept no reads in any round');
    // What the same number of durable writes, made by another process with nothing but filesystem calls, leaves of pure reads.
    const besideWrites = by('raw-random-beside-writes');
    // Each of those writes cost as many reads as the reads lost per write.
    const floor = besideWrites?.extra
      ? `; beside ${Math.round(besideWrites.extra.writeRps!)} durable writes/s by another process (${Math.round(besideWrites.extra.writerCpuUsPerWrite!)} µs of CPU each): ${pct(perRoundRatio(besideWrites, rawRandom)?.median)}, each write costing ${((rawRandom.median.rps - besideWrites.median.rps) / besideWrites.extra.writeRps!).toFixed(1)} reads`
      : '';
    // What bare Node reaches under the same load, giving the same answers and writing as durably.
    const referenceReads = by('node-http-raw-random');
    const reference = (Object.entries(BARE_NODE) as [BareNodeKind, string][])
      .map(([kind, name]) => {
        const referenceMixed = by(`${kind}-mixed`);
        return referenceMixed?.extraRuns && referenceReads ? `; ${name}: ${withRounds(readsKept(referenceMixed, referenceReads))}` : '';
      })
      .join('');
    // A write's cost, its lock and checks included, against bare Node's durable write with neither.
    const referencePut = by('node-http-put-distinct');
    const writeCost = put && referencePut ? `; CPU per durable PUT: ${Math.round(put.median.serverCpuUsPerRequest)} µs, ${REFERENCES['node-http']}: ${Math.round(referencePut.median.serverCpuUsPerRequest)} µs` : '';
    checks.push({
      name: 'Reads under mixed load vs pure reads',
      measured: `${Math.round(mixed.extra!.readRps!)} vs ${Math.round(rawRandom.median.rps)} req/s: ${withRounds(ratio)}${floor}${reference}${writeCost}`,
      goal: INFORMATIONAL,
      met: null,
    });
  }
  const storm = by('boot-storm');
  if (storm) {
    const answered = storm.runs.every((r) => r.errors === 0 && r.requests === STORM_DEVICES);
    const worst = Math.max(...storm.runs.map((r) => r.max));
    checks.push({ name: `Boot storm of ${STORM_DEVICES.toLocaleString('en-US')}`, measured: `${answered ? 'all' : 'not all'} answered, slowest ${Math.round(worst)} ms (worst run), listen-queue overflows ${storm.extra?.listenOverflows ?? '–'} (median)`, goal: 'all answered within 1 s', met: answered && worst < 1000 });
  }
  if (startup) {
    checks.push({
      name: 'Start-up with 10,000 configs (healthy and listed), RSS',
      measured: `${Math.round(startup.median.readyMs)} ms, RSS ${Math.round(startup.median.rssMb)} MB`,
      goal: `< ${STARTUP_TARGET_MS / 1000} s, RSS < ${STARTUP_RSS_TARGET_MB} MB`,
      met: startup.median.readyMs < STARTUP_TARGET_MS && startup.median.rssMb < STARTUP_RSS_TARGET_MB,
    });
    // Start-up and every read load, whichever peaks; then, on a line of its own, the peak under saves.
    const saving = by('list-10000-saving');
    const peak = Math.max(startup.median.rssMb, ...scenarios.filter((s) => s.fleet === 10_000 && s !== saving).map((s) => s.median.serverPeakRssMb));
    checks.push({ name: 'Peak RSS with 10,000 configs, read loads', measured: `${Math.round(peak)} MB`, goal: INFORMATIONAL, met: null });
    if (saving) {
      const worst = Math.max(...saving.runs.map((r) => r.serverPeakRssMb));
      checks.push({ name: 'Peak RSS with 10,000 configs, lists and saves in turn', measured: `${Math.round(saving.median.serverPeakRssMb)} MB (median of the rounds' peaks; highest ${Math.round(worst)} MB)`, goal: INFORMATIONAL, met: null });
    }
  }
  return checks;
}

async function main(): Promise<void> {
  // Read before the build, from the sources it compiles: edits made while the benchmark runs are not measured.
  const commitOf = (root: string) => `${sh('git', ['rev-parse', '--short', 'HEAD'], root) || 'unknown'}${sh('git', ['status', '--porcelain', '--', 'src'], root) ? '-dirty' : ''}`;
  const commit = commitOf(repoRoot);
  const baselineMeta = baselineRoot === null ? undefined : { dir: baselineRoot, commit: commitOf(baselineRoot) };
  build();
  const loadAverageBefore = os.loadavg();
  const nginx = args['skip-nginx'] ? null : nginxVersion();
  const withReferences = !args['skip-references'];
  // References, started with the others, for the mixed load only: bare Node under the service's lock, and with --writer-thread, saving through a writer thread.
  const mixedSelected = withMixed && selected('mixed');
  if (only?.test('mixed') && !withMixed) log('the mixed load runs only with --mixed');
  const withWriterThread = withReferences && args['writer-thread']! && mixedSelected;
  if (args['writer-thread'] && !withWriterThread) log('--writer-thread runs with the references under the mixed load: not in this run (--skip-references, or --only without it)');
  const mixedOnly: MixedOnlyKind[] = withReferences && mixedSelected ? [LOCKED, ...(withWriterThread ? [WRITER_THREAD] as const : [])] : [];
  if (!nginx) log(args['skip-nginx'] ? 'nginx skipped' : 'nginx not found: no static-server comparison in this run');
  // Writes cost what the filesystem makes them cost: --dir measures on the volume the service will use.
  const workDir = await fs.mkdtemp(path.join(path.resolve(args.dir ?? os.tmpdir()), 'iot-bench-'));
  // nginx started as root serves as an unprivileged worker, which must be able to read the fleet.
  await fs.chmod(workDir, 0o755);
  const cleanUp = () => {
    killAllStarted();
    spawnSync('rm', ['-rf', workDir]);
  };
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });

  try {
    log(`generating fleets in ${workDir}`);
    const fleet200 = await writeFleet(workDir, 200);
    const fleet10k = await writeFleet(workDir, 10_000);
    const scenarios: ScenarioResult[] = [];

    // Phase 1: the fleet of 200, against the service and nginx serving the same directory.
    // The service's variants get copies of the fleet made before any server runs: the service's writes never reach
    // them, and they read the same configs with the same timestamps.
    const mixedIds = withMixed ? ['mixed', 'raw-random-beside-writes'] : [];
    if (['raw-one', 'raw-random', 'raw-304', 'wrapped-one', 'list-200', 'put-distinct', 'put-one', ...mixedIds].some(selected)) {
      const serviceInfoDir = selected('raw-one') ? await copyOfFleet(fleet200, 'service-info') : null;
      const historyOffDir = selected('put-distinct') ? await copyOfFleet(fleet200, 'history-off') : null;
      const schemaOnDir = selected('schema-on-put-distinct') ? await copyWithSchema(fleet200) : null;
    const baselineDir = baselineRoot !== null && ['raw-one', 'raw-random', 'raw-304', 'wrapped-one', 'list-200'].some(selected) ? await copyOfFleet(fleet200, 'baseline') : null;
      const { server } = await startReadyService(fleet200, workDir);
      const nginxServer = nginx ? await startNginx(fleet200.dir, workDir) : undefined;
      const variants: Partial<Record<keyof typeof SERVICE_VARIANTS, RunningServer>> = {};
      const references: Partial<Record<ReferenceKind, RunningServer>> = {};
      try {
        const firstPath = `/api/configs/${fleet200.devices[0]!.mac}.json`;
        const first = await getJson(server.port, firstPath);
        if (first.status !== 200 || first.etag === null) throw new Error(`raw GET answered ${first.status}`);
        if (serviceInfoDir !== null) {
          // Logs two lines per request to its log file, as the service does by default.
          variants['service-info'] = (await startReadyService(fleet200, workDir, { name: 'service-info', logLevel: 'info' }, serviceInfoDir)).server;
          assertSameAnswer('service-info', first, await getJson(variants['service-info'].port, firstPath));
        }
        if (historyOffDir !== null) {
          variants['history-off'] = (await startReadyService(fleet200, workDir, { name: 'history-off', logLevel: 'warn', env: { HISTORY_LIMIT: '0' } }, historyOffDir)).server;
        }
        if (schemaOnDir !== null) {
          variants['schema-on'] = (await startReadyService(fleet200, workDir, { name: 'schema-on', logLevel: 'warn' }, schemaOnDir)).server;
        }
        let baselineEtagOfFirst: string | null = null;
        if (baselineDir !== null) {
          variants.baseline = (await startReadyService(fleet200, workDir, { name: 'baseline', logLevel: 'warn', serverRoot: baselineRoot! }, baselineDir)).server;
          const port = variants.baseline.port;
          const baselineFirst = await getJson(port, firstPath);
          assertSameStatusAndBody('baseline', first, baselineFirst);
          if (baselineFirst.etag === null) throw new Error('the baseline sent no ETag');
          baselineEtagOfFirst = baselineFirst.etag;
          const notModified = { headers: { 'if-none-match': baselineEtagOfFirst } };
          assertSameStatusAndBody('baseline', await getJson(server.port, firstPath, { headers: { 'if-none-match': first.etag } }), await getJson(port, firstPath, notModified));
          for (const urlPath of [firstPath.slice(0, -'.json'.length), '/api/configs']) {
            assertSameStatusAndBody('baseline', await getJson(server.port, urlPath), await getJson(port, urlPath));
          }
        }
        if (withReferences && ['raw-one', 'wrapped-one', ...(withMixed ? ['raw-random', 'put-distinct', 'mixed'] : [])].some(selected)) {
          // The references get a copy of the fleet, so that their writes and the service's never meet.
          const referenceDir = `${fleet200.dir}-reference`;
          await fs.cp(fleet200.dir, referenceDir, { recursive: true });
          const list = await getJson(server.port, '/api/configs');
          const listFile = path.join(workDir, 'service-list.json');
          await fs.writeFile(listFile, JSON.stringify(list.body));
          const wrappedPath = firstPath.slice(0, -'.json'.length);
          const wrappedFirst = await getJson(server.port, wrappedPath);
          // The members after `content`, as the service gave them for this config at this moment.
          const { fetch: fetchState, validation } = wrappedFirst.body as { fetch?: unknown; validation?: unknown };
          const wrappedTail = `${fetchState === undefined ? '' : `,"fetch":${JSON.stringify(fetchState)}`}${validation === undefined ? '' : `,"validation":${JSON.stringify(validation)}`}`;
          const answers = { deviceHeaders: sameOnEveryResponse(first.headers), apiHeaders: sameOnEveryResponse(list.headers), listFile, wrappedTail };
          const kinds: ReferenceKind[] = [...(Object.keys(REFERENCES) as ReferenceKind[]), ...mixedOnly];
          const dirOf = (kind: ReferenceKind) => (mixedOnly.includes(kind as MixedOnlyKind) ? `${referenceDir}-${kind}` : referenceDir);
          for (const kind of kinds) {
            if (dirOf(kind) !== referenceDir) await fs.cp(fleet200.dir, dirOf(kind), { recursive: true });
            references[kind] = await startReference(repoRoot, kind, dirOf(kind), workDir, firstPath, answers);
            assertSameAnswer(kind, first, await getJson(references[kind]!.port, firstPath));
            assertSameAnswer(kind, wrappedFirst, await getJson(references[kind]!.port, wrappedPath));
          }
          // With --mixed, bare Node's list and save, which it answers for the mixed load, must be the service's too, down to the bytes stored:
          // a changed config (so that a save that wrote nothing cannot pass), then the one each device has, put back.
          for (const kind of withMixed ? kinds.filter((k): k is BareNodeKind => k in BARE_NODE) : []) {
            const bareNode = references[kind]!;
            assertSameAnswer(kind, list, await getJson(bareNode.port, '/api/configs'));
            const last = fleet200.devices.at(-1)!;
            for (const content of [{ ...last.content, deviceName: 'Saved by the benchmark' }, last.content]) {
              const body = JSON.stringify({ content });
              const saved = await putJson(server.port, `/api/configs/${last.mac}`, body);
              assertSameAnswer(kind, saved, await putJson(bareNode.port, `/api/configs/${last.mac}`, body));
              const [stored, storedByReference] = await Promise.all([fleet200.dir, dirOf(kind)].map((dir) => fs.readFile(path.join(dir, `${last.mac}.json`))));
              if (!stored!.equals(storedByReference!) || !stored!.equals(storedBytes(content))) {
                throw new Error(`the ${kind} reference stores other bytes than the service`);
              }
            }
            assertSameAnswer(kind, await getJson(server.port, '/api/configs'), await getJson(bareNode.port, '/api/configs'));
          }
        }
        if (nginxServer) {
          const viaNginx = await fetch(`http://127.0.0.1:${nginxServer.port}${firstPath}`);
          const bytes = Buffer.from(await viaNginx.arrayBuffer());
          if (viaNginx.status !== 200 || !bytes.equals(fleet200.devices[0]!.bytes)) throw new Error(`nginx answered ${viaNginx.status} with other bytes`);
        }
        const scenarioList = fleetScenarios(fleet200, first.etag, {
          nginx: nginxServer !== undefined,
          references: Object.keys(references).length > 0,
          serviceInfo: variants['service-info'] !== undefined,
          baselineEtagOfFirst,
          mixedOnly: mixedOnly.filter((kind) => references[kind] !== undefined),
          historyOff: variants['history-off'] !== undefined,
          schemaOn: variants['schema-on'] !== undefined,
        });
        scenarios.push(...(await runScenarios(scenarioList, { service: server, nginx: nginxServer, ...variants, ...references })));
      } finally {
        for (const other of [...Object.values(references), ...Object.values(variants)]) await other.stop();
        await nginxServer?.stop();
        await server.stop();
      }
    }

    // Phase 2: the fleet of 10,000: start-up, the big list, random reads and the boot storm.
    let startup: StartupResult | null = null;
    if (['startup', 'list-10000', 'raw-random-10000', 'list-10000-saving', 'boot-storm'].some(selected)) {
      const runs: { readyMs: number; rssMb: number }[] = [];
      let server: RunningServer | null = null;
      try {
        for (let rep = 1; rep <= (selected('startup') ? repetitions : 1); rep++) {
          await server?.stop();
          const started = await startReadyService(fleet10k, workDir);
          server = started.server;
          runs.push({ readyMs: started.readyMs, rssMb: rssMb(server.pid) });
          log(`${rep}/${repetitions} start-up with 10,000 configs: ${Math.round(started.readyMs)} ms, RSS ${Math.round(runs.at(-1)!.rssMb)} MB`);
          // The log is deleted with the temp directory: a start-up over the target shows it now, while it can explain why.
          if (started.readyMs > STARTUP_TARGET_MS) log(`start-up over ${STARTUP_TARGET_MS} ms; the service's log (warnings and above):\n${logTail(server.logFile) || '(empty)'}`);
        }
        if (selected('startup')) startup = { fleet: fleet10k.devices.length, runs, median: medianOf(runs) };
        const rawPaths = fleet10k.devices.map((d) => `/api/configs/${d.mac}.json`);
        const bigScenarios: Scenario[] = [
          { id: 'list-10000', label: 'List of 10,000', target: 'service', fleet: 10_000, spec: { request: get('/api/configs'), connections: CONNECTIONS, expectedStatus: [200] } },
          { id: 'raw-random-10000', label: 'Raw GET, random MACs', target: 'service', fleet: 10_000, spec: { request: randomGet(rawPaths), connections: CONNECTIONS, expectedStatus: [200] } },
        ];
        scenarios.push(...(await runScenarios(bigScenarios, { service: server! })));

        const stormPaths = fleet10k.devices.filter((_d, i) => i % 10 === 0).slice(0, STORM_DEVICES).map((d) => `/esp32/config/${d.mac}.json`);
        const stormRuns: Measurement[] = [];
        const stormOverflows: Record<string, number>[] = [];
        for (let rep = 1; rep <= (selected('boot-storm') ? repetitions : 0); rep++) {
          const overflowsBefore = listenOverflows();
          const m = await measureBootStorm(server!, stormPaths);
          stormRuns.push(m);
          stormOverflows.push({ listenOverflows: listenOverflows() - overflowsBefore });
          log(`${rep}/${repetitions} boot storm: ${m.requests}/${STORM_DEVICES} answered, max ${Math.round(m.max)} ms, errors ${m.errors}, listen-queue overflows ${stormOverflows.at(-1)!.listenOverflows}`);
          await sleep(500);
        }
        if (stormRuns.length > 0) scenarios.push({ id: 'boot-storm', label: `Boot storm, ${STORM_DEVICES.toLocaleString('en-US')} devices at once (new connections)`, target: 'service', fleet: 10_000, runs: stormRuns, median: medianOf(stormRuns), extra: medianOf(stormOverflows) });

        // Lists while a script saves: each save changes the list, which the next list builds anew (1.3 MB). Last, on
        // its own: the bodies it leaves to the garbage collector raise the RSS, which would then count against the
        // read loads above.
        const saving: Scenario = { id: 'list-10000-saving', label: 'List and save, one each in turn (distinct MACs)', target: 'service', fleet: 10_000, spec: { request: listAndSave(fleet10k), connections: CONNECTIONS, expectedStatus: [200] } };
        scenarios.push(...(await runScenarios([saving], { service: server! })));
      } finally {
        await server?.stop();
      }
    }

    // Phase 3: the fleet of 10,000 with 100 versions each: the audit log, and the list beside a large history.
    if (['audit-10000', 'audit-10000-absent-actor', 'list-10000-history'].some(selected)) {
      const dir = await copyOfFleet(fleet10k, 'history');
      const written = await writeHistory(fleet10k, dir);
      log(`history of ${written.versions.toLocaleString('en-US')} versions written in ${Math.round(written.ms)} ms`);
      const { server } = await startReadyService(fleet10k, workDir, undefined, dir);
      try {
        // The first audit waits for the history to be loaded into memory.
        const started = performance.now();
        const first = await getJson(server.port, '/api/audit?limit=1', { signal: AbortSignal.timeout(120_000) });
        const firstAuditMs = performance.now() - started;
        if (first.status !== 200 || (first.body as { entries: unknown[] }).entries.length !== 1) throw new Error(`the first audit answered ${first.status}`);
        const loaded = { versions: written.versions, firstAuditMs, rssMbLoaded: rssMb(server.pid) };
        log(`first audit (history loaded) after ${Math.round(firstAuditMs)} ms, RSS ${Math.round(loaded.rssMbLoaded)} MB`);
        const spec = (urlPath: string): LoadSpec => ({ request: get(urlPath), connections: CONNECTIONS, expectedStatus: [200] });
        const historyScenarios: Scenario[] = [
          { id: 'audit-10000', label: `Audit, newest 100 of ${written.versions.toLocaleString('en-US')} versions`, target: 'service', fleet: 10_000, spec: spec('/api/audit?limit=100'), extra: () => loaded },
          { id: 'audit-10000-absent-actor', label: 'Audit, an actor with no version (whole timeline read)', target: 'service', fleet: 10_000, spec: spec(`/api/audit?actor=${ABSENT_ACTOR}&limit=100`) },
          { id: 'list-10000-history', label: 'List of 10,000, with 100 versions each', target: 'service', fleet: 10_000, spec: spec('/api/configs') },
        ];
        scenarios.push(...(await runScenarios(historyScenarios, { service: server })));
      } finally {
        await server.stop();
      }
    }

    // Phase 4: what recording device fetches costs them, and a boot storm recorded in full (bench/fetch-tracking.ts).
    const trackingTargets: TargetCheck[] = [];
    if (FETCH_TRACKING_IDS.some(selected)) {
      const tracking = await measureFetchTracking({
        fleet200,
        fleet10k,
        connections: CONNECTIONS,
        repetitions,
        selected,
        log,
        copyOfFleet,
        startReadyService: async (fleet, options, dir) => (await startReadyService(fleet, workDir, options, dir)).server,
        runScenarios,
        measureBootStorm,
      });
      scenarios.push(...tracking.scenarios);
      trackingTargets.push(...tracking.targets);
    }

    // Each figure over nginx's for the same request in the same round (see perRoundRatio).
    const ratios: Record<string, RoundRatio> = {};
    const nginxRawOne = scenarios.find((s) => s.id === 'nginx-raw-one');
    const nginxRawRandom = scenarios.find((s) => s.id === 'nginx-raw-random');
    const yardstickOf = (s: ScenarioResult): ScenarioResult | undefined => {
      const id = counterpart(s);
      if (s.target in REFERENCES) return ['raw-one', 'wrapped-one'].includes(id) ? nginxRawOne : undefined;
      if (!(s.target === 'service' || s.target in SERVICE_VARIANTS) || s.fleet !== 200) return undefined;
      if (id === 'raw-random') return nginxRawRandom;
      return ['raw-one', 'raw-304', 'wrapped-one'].includes(id) ? nginxRawOne : undefined;
    };
    for (const s of scenarios) {
      const yardstick = yardstickOf(s);
      const ratio = yardstick && perRoundRatio(s, yardstick);
      if (ratio) ratios[s.id] = ratio;
    }

    const result: BenchResult = {
      meta: {
        date: new Date().toISOString(),
        commit,
        node: process.versions.node,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
        loadAverageBefore,
        quick,
        repetitions,
        connections: CONNECTIONS,
        warmupSeconds: timing.warmupSeconds,
        seconds: timing.seconds,
        nginx,
        serviceCommand: ['node', ...startFlags(repoRoot), 'dist/server/server.js'].join(' '),
        runtimeEnvironment: runtimeEnvironment(),
        averageConfigBytes: fleet200.averageBytes,
        // findmnt names ext4 as such (stat -f calls it ext2/ext3), with the device it lives on.
        fleetFilesystem: sh('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '--target', workDir]).replace(/\s+/, ' on ') || sh('stat', ['-f', '-c', '%T', workDir]) || 'unknown',
        ...(baselineMeta ? { baseline: baselineMeta } : {}),
      },
      scenarios,
      startup,
      ratios,
      targets: [...targetChecks(scenarios, ratios, startup), ...trackingTargets],
    };

    const resultsDir = path.join(repoRoot, 'bench/results');
    await fs.mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${result.meta.date.replace(/[:.]/g, '-')}.json`);
    const json = `${JSON.stringify(result, null, 2)}\n`;
    await fs.writeFile(file, json);
    if (saveLatest) await fs.writeFile(path.join(repoRoot, LATEST_RESULTS), json);

    process.stdout.write(`${markdownReport(result)}\n\n`);
    if (args.compare) {
      const old = JSON.parse(readFileSync(args.compare, 'utf8')) as BenchResult;
      process.stdout.write(`${comparisonReport(result, old)}\n\n`);
    }
    log(`figures written to ${path.relative(process.cwd(), file)}${saveLatest ? ` and ${LATEST_RESULTS} (npx tsx bench/performance-table.ts prints its tables)` : ''}`);
  } finally {
    cleanUp();
  }
}

main().catch((error: unknown) => {
  killAllStarted();
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
