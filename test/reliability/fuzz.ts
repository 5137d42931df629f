import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { namesIn } from '../helpers/stored-names.js';
import { envelopeProblem, figures, macOf, request, violation, type Response } from './lib/client.js';
import { Service } from './lib/service.js';

const CANONICAL_FILE = /^[0-9a-f]{2}(?:-[0-9a-f]{2}){5}\.json$/;

interface RawRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer | null;
}

/** Sends arbitrary bytes as one HTTP request on a fresh connection and parses whatever comes back. */
/**
 * `'reset'`: the server refused the request early (e.g. an unknown method) and closed the connection while
 * the body was still being sent, so TCP discarded its answer: a refusal, not a missing envelope.
 */
function sendRaw(port: number, raw: RawRequest, timeoutMs = 15_000): Promise<Response | 'reset' | null> {
  figures.requestsSent++;
  const started = performance.now();
  const head =
    `${raw.method} ${raw.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
    raw.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') +
    (raw.body ? `Content-Length: ${raw.body.length}\r\n` : '') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${raw.method} ${raw.path.slice(0, 80)}`));
    }, timeoutMs);
    // A chunked request without a body still ends with the last chunk: otherwise the server rightly waits
    // for the body it was promised (up to its request timeout), which is the slowloris case, tested apart.
    const chunkedWithoutBody =
      raw.body === null && raw.headers.some(([name, value]) => name.toLowerCase() === 'transfer-encoding' && value.trim().toLowerCase() === 'chunked');
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), raw.body ?? Buffer.from(chunkedWithoutBody ? '0\r\n\r\n' : '')]));
    });
    // Done at the end of the response, not of the connection: a request whose body never ends (chunked, no
    // terminator) is answered at once but the socket stays open until the server's request timeout.
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const response = completeResponse(Buffer.concat(chunks), performance.now() - started);
      if (response !== null) {
        clearTimeout(timer);
        socket.destroy();
        resolve(response);
      }
    });
    // The server may close before reading a body it refuses (413): that is an answer, not an error.
    let reset = false;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      reset = error.code === 'ECONNRESET' || error.code === 'EPIPE';
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      const ms = performance.now() - started;
      // A reset can also cut an answer short: TCP drops what was not yet read.
      if (reset && (raw.body?.length ?? 0) > 0 && completeResponse(bytes, ms) === null) resolve('reset');
      else resolve(parseResponse(bytes, ms));
    });
  });
}

/** The response in `bytes` if it is complete (by Content-Length, or a chunked body's last chunk), else null. */
function completeResponse(bytes: Buffer, ms: number): Response | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = bytes.subarray(0, end).toString('latin1').toLowerCase();
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  if (length) return bytes.length >= end + 4 + Number(length[1]) ? parseResponse(bytes, ms) : null;
  if (/\r\ntransfer-encoding: *chunked/.test(head)) return bytes.subarray(end).includes('\r\n0\r\n\r\n') ? parseResponse(bytes, ms) : null;
  // 204/304 and HEAD answers have no body.
  return /^http\/1\.1 (?:1\d\d|204|304)/.test(head) ? parseResponse(bytes, ms) : null;
}

function parseResponse(bytes: Buffer, ms: number): Response | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0]!)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = bytes.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    let i = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', i);
      if (lineEnd < 0) break;
      const size = parseInt(body.subarray(i, lineEnd).toString('latin1'), 16);
      if (!size) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      i = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status, headers, body, ms };
}

/** Path segments every run tries at least once, on every config route. */
const HOSTILE_SEGMENTS = ['..', '../..', '%2e%2e', '%2e%2e%2f', '..%2f..%2fetc%2fpasswd', '%2F', '%00', 'aa-bb-cc-dd-ee-ff%00.json', '.aa-bb-cc-dd-ee-ff.lock', '....//', '%252e%252e%252f', '%c0%ae%c0%ae%2f', '~', 'con', '%', 'aa\0bb', 'aa-bb-cc-dd-ee-ff\0.json', 'a'.repeat(5000)];

const hex = fc.stringMatching(/^[0-9a-fA-F]{0,16}$/);
const macLike = fc.oneof(
  fc.constantFrom('aa-bb-cc-dd-ee-ff', 'AA:BB:CC:DD:EE:FF', 'aabbccddeeff', 'aa-bb:cc-dd-ee-ff', 'invalid-mac', 'aa-bb-cc-dd-ee', 'aa-bb-cc-dd-ee-ff-00', 'gg-hh-ii-jj-kk-ll', ''),
  fc.constantFrom(...HOSTILE_SEGMENTS),
  hex,
  fc.tuple(hex, fc.constantFrom('-', ':', '', '.', '/', '%2f'), hex).map(([a, sep, b]) => `${a}${sep}${b}`),
  fc.string({ maxLength: 40, unit: 'binary' }).map((s) => encodeURIComponent(s)),
  fc.string({ maxLength: 20, unit: 'binary-ascii' }),
  fc.integer({ min: 257, max: 9000 }).map((n) => 'a'.repeat(n)),
);
const pathArb = fc.oneof(
  fc.tuple(fc.constantFrom('/api/configs/', '/esp32/config/', '/api/configs/../', '//api/configs/', '/api/configs/./'), macLike, fc.constantFrom('', '.json', '/rename', '/../../x', '?a=1', '/')).map(([p, m, s]) => `${p}${m}${s}`),
  fc.webPath().map((p) => p || '/'),
  fc.constantFrom('/', '/api', '/api/configs', '/api/health', '/metrics', '/api/docs', '/api/docs/openapi.json', '*', 'http://evil.example/api/configs'),
);

const deep = (levels: number, open: string, close: string) => `{"content":{"a":${open.repeat(levels)}${close.repeat(levels)}}}`;
/** Bodies every run tries at least once. */
const HOSTILE_BODIES = [
  Buffer.from('{"content":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}'),
  Buffer.from('{"content":{"a":1,"a":2,"deviceName":"x","deviceName":5}}'),
  Buffer.from('{"content":{"big":123456789012345678901234567890,"tiny":1e-400,"huge":1e400,"neg":-0}}'),
  Buffer.from([0x7b, 0x22, 0x63, 0xff, 0xfe, 0x22, 0x3a, 0x7b, 0x7d, 0x7d]),
  Buffer.from('{"content":{"s":"\xc3\x28"}}', 'latin1'),
  Buffer.from('\ufeff{"content":{}}'),
  Buffer.from('{"content":{}'),
  Buffer.from('{"content":{}}garbage'),
  Buffer.from('not json at all'),
  Buffer.from(deep(100_000, '[', ']')),
  Buffer.from(deep(100_000, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}')),
  Buffer.from(deep(65, '[', ']')),
  Buffer.from(`{"content":{${Array.from({ length: 40_000 }, (_, i) => `"k${i}":${i}`).join(',')}}}`),
  Buffer.from(`{"content":{"s":"${'x'.repeat(1_100_000)}"}}`),
];

const bodyArb: fc.Arbitrary<Buffer | null> = fc.oneof(
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify({ content: v }))),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.json({ maxDepth: 3 }).map((text) => Buffer.from(text)),
  fc.string({ maxLength: 200, unit: 'binary' }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.concat([Buffer.from('{"content":{"s":"'), Buffer.from(bytes), Buffer.from('"}}')])),
  fc.constantFrom(...HOSTILE_BODIES),
);
/** Header values: mostly printable (so requests get past the HTTP parser to the app), sometimes raw control bytes. */
const headerValue = (maxLength: number) =>
  fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength, unit: 'grapheme-ascii' }) }, { weight: 1, arbitrary: fc.string({ maxLength, unit: 'binary-ascii' }) });
const headerArb: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('Content-Type'), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.x+json', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', '')) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('If-Match', 'If-None-Match'), fc.oneof(fc.constantFrom('*', '"x"', 'W/"x"', '"a", "b"', ''), headerValue(60))) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('X-Request-Id', 'Origin', 'Accept', 'Range', 'Cookie'), headerValue(300)) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('Transfer-Encoding'), fc.constantFrom('chunked', 'gzip', 'identity')) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('X-Huge'), fc.integer({ min: 1, max: 40 }).map((k) => 'h'.repeat(k * 1024))) },
  ),
  { maxLength: 4 },
);
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'TRACE', 'FOO'),
  path: pathArb,
  headers: headerArb,
  body: bodyArb,
});

/** Holds sockets that dribble a header byte a second (slowloris) or say nothing at all; records when the server drops them. */
function openSlowClients(port: number, slow: number, idle: number): { slowClosedAfterMs: number[]; idleClosedAfterMs: number[]; stop: () => void } {
  const started = Date.now();
  const slowClosedAfterMs: number[] = [];
  const idleClosedAfterMs: number[] = [];
  const sockets: net.Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < slow + idle; i++) {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    // Read (and drop) what the server sends: a paused socket never reports the server closing it.
    socket.resume();
    socket.on('close', () => (i < slow ? slowClosedAfterMs : idleClosedAfterMs).push(Date.now() - started));
    if (i < slow) {
      socket.on('connect', () => socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
      const timer = setInterval(() => {
        if (!socket.destroyed) socket.write(`X-${i}: ${'a'.repeat(8)}\r\n`);
      }, 1000);
      timers.push(timer);
    }
  }
  return {
    slowClosedAfterMs,
    idleClosedAfterMs,
    stop: () => {
      for (const socket of sockets) socket.removeAllListeners('close');
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** A fast-check failure in one line: the broken promise first, then the (shortened) counterexample. */
function describeFailure(error: unknown): string {
  const message = (error as Error).message;
  const cause = (error as { cause?: unknown }).cause;
  const reason = cause instanceof Error ? cause.message : (/Got error: (.*)/.exec(message)?.[1] ?? 'property failed');
  const example = /Counterexample: (.*)/.exec(message)?.[1] ?? '';
  const seed = /\{ seed: (-?\d+), path: "([^"]*)"/.exec(message);
  return `${reason} — seed ${seed?.[1]} path ${seed?.[2]} — counterexample ${example.length > 600 ? `${example.slice(0, 200)} … ${example.slice(-400)}` : example}`;
}

/**
 * Checks the __proto__, duplicate-key and big-number promises: stored and returned verbatim, no prototype
 * polluted; a key twice in one object refused with 400 VALIDATION_FAILED and nothing stored.
 */
async function verbatimCases(service: Service): Promise<void> {
  const mac = macOf(0x400);
  const duplicated = macOf(0x402);
  figures.badInputsTried++;
  const twice = await request(service.port, `/api/configs/${duplicated}`, { method: 'PUT', body: '{"content":{"a":1,"a":2,"deviceName":"first","deviceName":"second"}}' });
  if (twice.status !== 400 || !twice.body.toString().includes('/content/a')) violation(`fuzz: a duplicate key was answered ${twice.status}: ${twice.body.toString().slice(0, 200)}`);
  if ((await request(service.port, `/api/configs/${duplicated}.json`)).status !== 404) violation('fuzz: a config with a duplicate key was stored');
  const cases = [
    '{"__proto__":{"polluted":true,"deviceName":"evil"},"constructor":{"prototype":{"polluted":true}},"deviceName":"proto"}',
    '{"big":123456789012345678901234567890123,"precise":0.30000000000000000000001,"exp":1E+400,"neg":-0}',
  ];
  for (const content of cases) {
    figures.badInputsTried++;
    const put = await request(service.port, `/api/configs/${mac}`, { method: 'PUT', body: `{"content":${content}}` });
    if (put.status !== 200) {
      violation(`fuzz: verbatim PUT answered ${put.status}: ${put.body.toString().slice(0, 200)}`);
      continue;
    }
    const raw = await request(service.port, `/api/configs/${mac}.json`);
    const stored = raw.body.toString('utf8');
    const compact = stored.replace(/\s+/g, '');
    figures.configsVerified++;
    if (compact !== content.replace(/\s+/g, '')) {
      figures.corrupted++;
      violation(`fuzz: ${content.slice(0, 40)}... was not stored verbatim: ${stored.slice(0, 200)}`);
    }
  }
  // Pollution would show in any other object the server builds: a fresh config's summary must have no extra field.
  const other = macOf(0x401);
  await request(service.port, `/api/configs/${other}`, { method: 'PUT', body: '{"content":{}}' });
  const summary = JSON.parse((await request(service.port, `/api/configs/${other}`)).body.toString('utf8')) as Record<string, unknown>;
  if ('polluted' in summary || summary.device_name !== null) violation(`fuzz: a prototype was polluted: ${JSON.stringify(summary)}`);
}

/**
 * Hostile input: fast-check over methods, URLs, headers and bodies, plus
 * slowloris and idle connections, while a probe measures the worst latency
 * of a plain request.
 */
export async function fuzzPhase(root: string, runs: number, log: (line: string) => void): Promise<void> {
  const sandbox = path.join(root, 'fuzz');
  const dir = path.join(sandbox, 'configs');
  await fs.mkdir(dir, { recursive: true });
  const service = await Service.start({ ESP32_CONFIGS_DIR: dir });
  const pid = service.pid;
  const fuzzStarted = Date.now();
  const slowClients = openSlowClients(service.port, 40, 200);
  figures.badInputsTried += 240;

  let probing = true;
  let worstProbeMs = 0;
  const probe = (async () => {
    while (probing) {
      try {
        const res = await request(service.port, '/api/health', { timeoutMs: 10_000 });
        worstProbeMs = Math.max(worstProbeMs, res.ms);
      } catch (error) {
        violation(`fuzz: health probe failed: ${(error as Error).message}`);
      }
      await sleep(100);
    }
  })();

  let worstFuzzMs = 0;
  let slowest = '';
  let resets = 0;
  const statuses = new Map<number, number>();
  try {
    await verbatimCases(service);
    /** Sends one hostile request and throws if the answer breaks a promise. */
    const exchange = async (raw: RawRequest): Promise<void> => {
      figures.badInputsTried++;
      const res = await sendRaw(service.port, raw);
      if (!service.alive) throw new Error('the server process died');
      if (res === null) throw new Error('no HTTP answer at all');
      if (res === 'reset') {
        resets++;
        return;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.ms > worstFuzzMs) {
        worstFuzzMs = res.ms;
        slowest = `${raw.method} ${raw.path.slice(0, 40)} (${raw.body?.length ?? 0} B body)`;
      }
      const problem = envelopeProblem(res, raw.method);
      if (problem !== null) throw new Error(problem);
      if (res.status >= 500 && res.status !== 503) throw new Error(`server error ${res.status}: ${res.body.toString().slice(0, 200)}`);
      const stray = (await fs.readdir(dir)).filter((name) => !CANONICAL_FILE.test(name) && !name.startsWith('.'));
      if (stray.length > 0) throw new Error(`created ${stray.join(', ')}`);
    };
    const describeRaw = (raw: RawRequest) => `${raw.method} ${raw.path.slice(0, 60)} body ${raw.body?.subarray(0, 40).toString('latin1') ?? '-'}`;

    // Every listed hostile input once, on every config route, then random ones.
    const json = [['Content-Type', 'application/json']] as [string, string][];
    const fixed: RawRequest[] = [
      ...HOSTILE_BODIES.flatMap((body) => [
        { method: 'PUT', path: '/api/configs/aa-bb-cc-dd-ee-ff', headers: json, body },
        { method: 'POST', path: '/api/configs/aa-bb-cc-dd-ee-ff/rename', headers: json, body },
      ]),
      ...HOSTILE_SEGMENTS.flatMap((segment) =>
        ['/api/configs/', '/esp32/config/'].flatMap((prefix) => [
          { method: 'GET', path: `${prefix}${segment}`, headers: [], body: null },
          { method: 'GET', path: `${prefix}${segment}.json`, headers: [], body: null },
          { method: 'PUT', path: `${prefix}${segment}`, headers: json, body: Buffer.from('{"content":{}}') },
          { method: 'DELETE', path: `${prefix}${segment}`, headers: [], body: null },
          { method: 'POST', path: `${prefix}aa-bb-cc-dd-ee-ff/rename`, headers: json, body: Buffer.from(JSON.stringify({ new_mac_address: segment })) },
        ]),
      ),
      { method: 'GET', path: '/api/health', headers: [['X-Huge', 'h'.repeat(64 * 1024)]], body: null },
      { method: 'GET', path: `/api/configs/${'%2e'.repeat(3000)}`, headers: [], body: null },
    ];
    for (const raw of fixed) {
      try {
        await exchange(raw);
      } catch (error) {
        violation(`fuzz: ${describeRaw(raw)}: ${(error as Error).message}`);
      }
    }
    // RELIABILITY_FUZZ_SEED (and RELIABILITY_FUZZ_PATH) replay a reported failure.
    const replay = process.env.RELIABILITY_FUZZ_SEED ? { seed: Number(process.env.RELIABILITY_FUZZ_SEED), path: process.env.RELIABILITY_FUZZ_PATH } : {};
    await fc.assert(
      fc.asyncProperty(requestArb, exchange),
      { numRuns: runs, endOnFailure: true, ...replay },
    ).catch((error: unknown) => violation(`fuzz: ${describeFailure(error)}`));

    // Slow clients: headers must arrive within 10 s (headersTimeout), checked every 2 s.
    // Both must be dropped by the server: headers (none, for the idle ones) are due within headersTimeout, 10 s.
    const deadline = fuzzStarted + 25_000;
    while ((slowClients.slowClosedAfterMs.length < 40 || slowClients.idleClosedAfterMs.length < 200) && Date.now() < deadline) await sleep(250);
    const slowClosed = slowClients.slowClosedAfterMs;
    const idleClosed = slowClients.idleClosedAfterMs;
    if (slowClosed.length < 40) violation(`fuzz: only ${slowClosed.length} of 40 slowloris connections were dropped`);
    if (idleClosed.length < 200) violation(`fuzz: only ${idleClosed.length} of 200 idle connections were dropped within 25 s`);
    const range = (values: number[]) => (values.length ? `${(Math.min(...values) / 1000).toFixed(1)}-${(Math.max(...values) / 1000).toFixed(1)} s` : 'never');
    log(
      `fuzz: every listed hostile input on every route, ${runs} generated requests and the verbatim cases; statuses ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}x${n}`).join(' ')}, ${resets} refused by reset mid-body; ` +
        `${slowClosed.length}/40 slowloris sockets dropped by the server after ${range(slowClosed)}; ${idleClosed.length}/200 idle sockets after ${range(idleClosed)}`,
    );
  } finally {
    probing = false;
    await probe;
    slowClients.stop();
  }

  if (!service.alive || service.pid !== pid) violation('fuzz: the server crashed');
  // Nothing escaped the directory, and nothing but <canonical-mac>.json was created in it.
  const outside = await fs.readdir(sandbox);
  if (outside.join() !== 'configs') violation(`fuzz: files appeared next to the config directory: ${outside.join(', ')}`);
  await sleep(200);
  const inside = await namesIn(dir);
  const stray = inside.filter((name) => !CANONICAL_FILE.test(name));
  if (stray.length > 0) violation(`fuzz: non-config files in the directory: ${stray.join(', ')}`);
  for (const name of inside.filter((n) => CANONICAL_FILE.test(n))) {
    figures.configsVerified++;
    try {
      JSON.parse(await fs.readFile(path.join(dir, name), 'utf8'));
    } catch {
      // Hostile content is refused before it is written, so every stored file parses.
      figures.corrupted++;
      violation(`fuzz: ${name} does not parse`);
    }
  }
  if (worstProbeMs > 2_000) violation(`fuzz: the event loop stalled: a health request took ${worstProbeMs.toFixed(0)} ms`);
  log(`fuzz: worst health-probe latency during the run ${worstProbeMs.toFixed(0)} ms; slowest fuzz request ${worstFuzzMs.toFixed(0)} ms (${slowest}); ${inside.length} configs stored`);
  await service.kill('SIGKILL');
  await authFuzz(root, Math.max(50, Math.floor(runs / 4)), log);
}

/** Well-formed requests on every config route, so that most reach the authentication check. */
const wellFormedArb: fc.Arbitrary<RawRequest> = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'DELETE', 'POST', 'HEAD'),
  path: fc.constantFrom('/api/configs', '/api/configs/aa-bb-cc-dd-ee-ff', '/api/configs/11:22:33:44:55:66', '/api/configs/aa-bb-cc-dd-ee-ff/rename', '/api/configs/aa-bb-cc-dd-ee-ff.json', '/esp32/config/aa-bb-cc-dd-ee-ff.json', '/api/health'),
  headers: fc.constant([['Content-Type', 'application/json']] as [string, string][]),
  body: fc.constantFrom(null, Buffer.from('{"content":{"deviceName":"intruder"}}'), Buffer.from('{"new_mac_address":"11-22-33-44-55-66"}')),
});

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
const DEVICE_TOKEN = 'fuzz-device-token-0123456789abcdef';

/**
 * The same hostile requests against a server with ADMIN_TOKEN and
 * DEVICE_TOKEN set, each with a valid, wrong, malformed or missing token:
 * a 2xx from a protected route must never come without the right token,
 * and nothing may change on disk without the admin token.
 */
async function authFuzz(root: string, runs: number, log: (line: string) => void): Promise<void> {
  const dir = path.join(root, 'fuzz-auth');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'aa-bb-cc-dd-ee-ff.json'), '{\n  "deviceName": "guarded"\n}\n');
  const service = await Service.start({ ESP32_CONFIGS_DIR: dir, ADMIN_TOKEN, DEVICE_TOKEN });
  const snapshot = async () => {
    const names = (await fs.readdir(dir)).filter((n) => !n.startsWith('.')).sort();
    return Promise.all(names.map(async (n) => `${n}:${await fs.readFile(path.join(dir, n), 'utf8')}`)).then((all) => all.join('|'));
  };
  const statuses = new Map<number, number>();
  const authorization = fc.oneof(
    fc.constant(null),
    fc.constantFrom(`Bearer ${ADMIN_TOKEN}`, `Bearer ${DEVICE_TOKEN}`, `bearer ${ADMIN_TOKEN}`, `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN, `Bearer ${ADMIN_TOKEN} x`, 'Bearer', `Bearer ${'a'.repeat(5000)}`),
    headerValue(80).map((t) => `Bearer ${t}`),
  );
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof(requestArb, wellFormedArb), authorization, async (raw, auth) => {
        figures.badInputsTried++;
        const safe = (value: string) => !/[\r\n\0]/.test(value);
        const headers = raw.headers.filter(([name]) => name.toLowerCase() !== 'authorization');
        if (auth !== null && safe(auth)) headers.push(['Authorization', auth]);
        const before = await snapshot();
        const res = await sendRaw(service.port, { ...raw, headers });
        if (!service.alive) throw new Error('the server process died');
        if (res === null) throw new Error('no HTTP answer at all');
        if (res === 'reset') return;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problem = envelopeProblem(res, raw.method);
        if (problem !== null) throw new Error(problem);
        if (res.status >= 500 && res.status !== 503) throw new Error(`server error ${res.status}`);
        const admin = auth !== null && /^bearer +fuzz-admin-token-0123456789abcdef *$/i.test(auth);
        const isDevice = /^\/(?:api\/configs|esp32\/config)\/[^/?]*\.json(?:\?.*)?$/.test(raw.path) && (raw.method === 'GET' || raw.method === 'HEAD');
        const protectedRoute = raw.path.startsWith('/api/configs') && !isDevice;
        if (res.status < 300 && protectedRoute && !admin) throw new Error(`${raw.method} ${raw.path} answered ${res.status} without the admin token`);
        if (!admin && (await snapshot()) !== before) throw new Error(`${raw.method} ${raw.path} changed the directory without the admin token`);
      }),
      { numRuns: runs, endOnFailure: true },
    ).catch((error: unknown) => violation(`fuzz (auth on): ${describeFailure(error)}`));
  } finally {
    await service.kill('SIGKILL');
  }
  log(`fuzz with ADMIN_TOKEN and DEVICE_TOKEN set: ${runs} requests with valid, wrong, malformed or no tokens; statuses ${[...statuses].sort((a, b) => a[0] - b[0]).map(([st, n]) => `${st}x${n}`).join(' ')}; no protected 2xx and no change on disk without the admin token`);
}
