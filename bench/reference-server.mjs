/**
 * The least a Node process must do to answer a device fetch as the service
 * does: one lstat per request (so a changed file is seen at once), the
 * bytes read again only when that stat changed, and the same response
 * headers. The benchmark runs it next to nginx to show where the runtime's
 * own ceiling lies: `node reference-server.mjs <kind> <configs dir> <port>`,
 * with REFERENCE_HEADERS, a JSON object of the headers the service sent that
 * are the same on every response (the security headers, Cache-Control,
 * Content-Type). Each answer also gets an ETag and a fresh X-Request-Id, as
 * the service's do. Every kind also answers the wrapped GET
 * (`/api/configs/<mac>`): the config's summary with the stored bytes spliced
 * in, built once per change of the file, as the service builds it, with the
 * headers the service sends on its API answers (REFERENCE_API_HEADERS).
 * Plain JavaScript, so that nothing but Node (and Fastify) runs.
 *
 * Kinds:
 * - `node-http`: bare node:http. It also answers the mixed load's other
 *   two requests, with the fewest calls that give the service's answers:
 *   the list, from memory and serialised once per change, starting from the
 *   service's own list (REFERENCE_LIST, a file), and a save, written
 *   durably with the calls the durable writer makes (temp file, write,
 *   fsync, rename over the target, directory fsync; creating, fsyncing and
 *   renaming through the thread pool, as the service does). It takes no
 *   lock, which the service needs for replicas, and checks nothing but that
 *   `content` is an object;
 * - `node-http-writer-thread`: the same, but each save's durable write is
 *   made whole by one worker thread (bench/reference-writer.mjs), so that
 *   the event loop hands a save off once instead of once per call that may
 *   wait (creating, the two fsyncs, renaming);
 * - `node-http-locked`: the same, but each save holds the lock that keeps
 *   replicas apart and writes durably as the service does, with the
 *   service's own storage code (compiled, in dist/): the in-process queue
 *   per MAC, the lock file, and the atomic write through one set of file
 *   calls, which choose between the event loop and the thread pool as the
 *   service's do. It shows what the lock and the service's write cost
 *   without the rest of a save (routing, validation, conditions, the store's
 *   bookkeeping);
 * - `fastify`: a one-route Fastify app;
 * - `fastify-duties`: the same app doing, as cheaply as it can be done, the
 *   per-request work the service is required to do and the others skip: a
 *   correlation id taken from a sane X-Request-Id or a new UUID, bound to
 *   the request's logger; the HTTP and operation metrics (a duration
 *   histogram by method, route and status, an outcome counter, a duration
 *   histogram by operation); If-None-Match answered with
 *   304; explicit connection and request time limits.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { summarizeConfig } from '../dist/server/domain/config-summary.js';

const [kind, dir, port] = process.argv.slice(2);
if (process.env.REFERENCE_HEADERS === undefined) {
  console.error('REFERENCE_HEADERS is not set: the reference must answer with the headers the service sends');
  process.exit(2);
}
const fixedHeaders = JSON.parse(process.env.REFERENCE_HEADERS);
const apiHeaders = JSON.parse(process.env.REFERENCE_API_HEADERS ?? '{}');
const DEVICE_PATH = /^\/api\/configs\/([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\.json$/;
const API_PATH = /^\/api\/configs\/([0-9a-f]{2}(?:-[0-9a-f]{2}){5})$/;
const cache = new Map();
/** Where the config of `mac` is stored, and a new temp file for writing it. */
const configPath = (mac) => path.join(dir, `${mac}.json`);
let tempFiles = 0;
const tempPath = (mac) => path.join(dir, `.${mac}.${process.pid}.${tempFiles++}.tmp`);

const statKey = (stat) => `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
const etagOf = (bytes) => `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;

/** The file's bytes and ETag, re-read only when its stat changed; null when it is not a regular file. */
function configFile(mac) {
  const file = configPath(mac);
  const stat = fs.lstatSync(file, { bigint: true, throwIfNoEntry: false });
  if (stat === undefined || !stat.isFile()) return null;
  const key = statKey(stat);
  let entry = cache.get(mac);
  if (entry?.key !== key) {
    const bytes = fs.readFileSync(file);
    entry = { key, bytes, etag: etagOf(bytes) };
    cache.set(mac, entry);
  }
  return entry;
}

/** The summary's fields, then the stored bytes spliced in as `content`: the body of the wrapped GET and of a save. */
const wrap = (summary, bytes) => Buffer.concat([Buffer.from(`${JSON.stringify(summary).slice(0, -1)},"content":`), bytes, Buffer.from('}')]);

/** The members the service's wrapped GET adds after `content` (the device's fetch state, the validation), as it gave them. */
const WRAPPED_TAIL = Buffer.from(process.env.REFERENCE_WRAPPED_TAIL ?? '');

/** The wrapped GET's answer for `url` (its body built the first time it is asked for after the file changed), or null. */
function wrappedAnswer(url) {
  const mac = API_PATH.exec(url)?.[1];
  const entry = mac ? configFile(mac) : null;
  if (entry === null) return null;
  entry.wrapped ??= Buffer.concat([wrap(summarizeConfig(mac, JSON.parse(entry.bytes)), entry.bytes).subarray(0, -1), WRAPPED_TAIL, Buffer.from('}')]);
  return { etag: entry.etag, body: entry.wrapped };
}

const headersOf = (entry) => ({ 'x-request-id': randomUUID(), ...fixedHeaders, etag: entry.etag, 'content-length': entry.bytes.length });

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Counts per bucket of one labelled histogram series, found by a key built from its label values. */
function observe(series, key, seconds) {
  let counts = series.get(key);
  if (counts === undefined) series.set(key, (counts = new Array(BUCKETS.length + 2).fill(0)));
  let i = 0;
  while (i < BUCKETS.length && seconds > BUCKETS[i]) i++;
  counts[i]++;
  counts[BUCKETS.length + 1] += seconds;
}

/** A Fastify app with the service's per-request duties (see the kinds above). */
function dutiesApp(Fastify, LogController) {
  const app = Fastify({
    logger: { level: 'warn' },
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
    },
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
  });
  const httpDurations = new Map();
  const operationDurations = new Map();
  const operations = new Map();
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const seconds = reply.elapsedTime / 1000;
    const raw = request.url.endsWith('.json');
    observe(httpDurations, `${request.method} ${reply.statusCode} ${raw ? '/api/configs/:mac.json' : '/api/configs/:mac'}`, seconds);
    const operation = raw ? 'get_raw' : 'get';
    observe(operationDurations, operation, seconds);
    const outcome = `${operation} ${reply.statusCode < 400 ? 'success' : 'not_found'}`;
    operations.set(outcome, (operations.get(outcome) ?? 0) + 1);
    done();
  });
  return app;
}

const pooled = (call, ...args) => new Promise((resolve, reject) => call(...args, (error, result) => (error ? reject(error) : resolve(result))));
/** Writes `bytes` to a temp file, fsyncs it, renames it over the config of `mac` and fsyncs the directory: creating, fsyncing and renaming through the thread pool, as the service does. */
async function pooledWrite(mac, bytes) {
  const [temp, target] = [tempPath(mac), configPath(mac)];
  const fd = await pooled(fs.open, temp, 'wx');
  try {
    fs.writeSync(fd, bytes);
    await pooled(fs.fsync, fd);
  } finally {
    fs.closeSync(fd);
  }
  await pooled(fs.rename, temp, target);
  const directory = fs.openSync(dir, 'r');
  try {
    await pooled(fs.fsync, directory);
  } finally {
    fs.closeSync(directory);
  }
}

/** The same write, made whole by one worker thread (bench/reference-writer.mjs): one hand-off per save. */
function threadWrites() {
  const writer = new Worker(new URL('./reference-writer.mjs', import.meta.url));
  const waiting = new Map();
  let writes = 0;
  writer.on('message', ({ id, error }) => {
    const { resolve, reject } = waiting.get(id);
    waiting.delete(id);
    if (error === undefined) resolve();
    else reject(new Error(error));
  });
  writer.on('error', (error) => {
    console.error(error);
    process.exit(1);
  });
  return (mac, bytes) =>
    new Promise((resolve, reject) => {
      const id = writes++;
      waiting.set(id, { resolve, reject });
      writer.postMessage({ id, temp: tempPath(mac), target: configPath(mac), bytes });
    });
}

/** The same write under the service's lock, made by the service's own storage code (see `node-http-locked` above). */
async function lockedWrites() {
  const { FsCalls } = await import('../dist/server/storage/fs-calls.js');
  const { KeyedMutex, LockFiles } = await import('../dist/server/storage/lock-file.js');
  const { writeFileAtomically } = await import('../dist/server/storage/atomic-file.js');
  const io = new FsCalls();
  await io.detectFilesystem(dir);
  // The service's defaults.
  const locks = new LockFiles(dir, { staleMs: 10_000, timeoutMs: 15_000 }, io);
  const mutex = new KeyedMutex();
  return (mac, bytes) =>
    mutex.run(mac, async () => {
      const release = await locks.acquire(mac);
      try {
        await writeFileAtomically(dir, `${mac}.json`, bytes, io);
      } finally {
        await release();
      }
    });
}

const writeDurably = await ({ 'node-http-writer-thread': threadWrites, 'node-http-locked': lockedWrites }[kind]?.() ?? pooledWrite);

/** An API answer (the list, a save, the wrapped GET) with the headers the service sends on those. */
const answer = (response, headers, body) => response.writeHead(200, { 'x-request-id': randomUUID(), ...apiHeaders, ...headers, 'content-length': body.length }).end(body);

/** The list and the save of the mixed load, for node-http (see the kinds above). */
function mixedLoadRoutes() {
  const summaries = new Map(JSON.parse(fs.readFileSync(process.env.REFERENCE_LIST, 'utf8')).configs.map((summary) => [summary.mac_address, summary]));
  const summaryJson = new Map();
  let listBody = null;

  function list() {
    if (listBody === null) {
      const configs = [...summaries.keys()].sort().map((mac) => {
        let json = summaryJson.get(mac);
        if (json === undefined) summaryJson.set(mac, (json = JSON.stringify(summaries.get(mac))));
        return json;
      });
      listBody = Buffer.from(`{"configs":[${configs.join(',')}],"count":${configs.length},"skipped":[]}`);
    }
    return listBody;
  }

  async function save(mac, body) {
    const { content } = JSON.parse(body);
    if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new Error('content must be an object');
    const bytes = Buffer.from(`${JSON.stringify(content, null, 2)}\n`);
    await writeDurably(mac, bytes);
    const entry = { key: statKey(fs.lstatSync(configPath(mac), { bigint: true })), bytes, etag: etagOf(bytes) };
    cache.set(mac, entry);
    const summary = summarizeConfig(mac, content);
    summaries.set(mac, summary);
    summaryJson.delete(mac);
    listBody = null;
    return { entry, body: wrap(summary, bytes) };
  }

  return (request, response) => {
    if (request.method === 'GET' && request.url === '/api/configs') {
      answer(response, {}, list());
      return true;
    }
    const mac = request.method === 'PUT' ? API_PATH.exec(request.url ?? '')?.[1] : undefined;
    if (mac === undefined) return false;
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      save(mac, Buffer.concat(chunks).toString('utf8')).then(
        ({ entry, body }) => answer(response, { etag: entry.etag }, body),
        (error) => response.writeHead(500).end(String(error)),
      );
    });
    return true;
  };
}

if (kind === 'node-http' || kind === 'node-http-writer-thread' || kind === 'node-http-locked') {
  const mixedLoad = process.env.REFERENCE_LIST ? mixedLoadRoutes() : () => false;
  const server = http.createServer((request, response) => {
    if (request.method === 'GET') {
      const url = request.url ?? '';
      const mac = DEVICE_PATH.exec(url)?.[1];
      const entry = mac ? configFile(mac) : null;
      if (entry !== null) {
        response.writeHead(200, headersOf(entry)).end(entry.bytes);
        return;
      }
      const wrapped = wrappedAnswer(url);
      if (wrapped !== null) {
        answer(response, { etag: wrapped.etag }, wrapped.body);
        return;
      }
    }
    if (!mixedLoad(request, response)) response.writeHead(404).end();
  });
  server.listen(Number(port), '127.0.0.1');
} else if (kind === 'fastify' || kind === 'fastify-duties') {
  const { default: Fastify, LogController } = await import('fastify');
  const app = kind === 'fastify' ? Fastify({ logger: false }) : dutiesApp(Fastify, LogController);
  // One route for both paths: find-my-way takes /api/configs/:mac.json and /api/configs/:mac for one parameter.
  app.get('/api/configs/:file', (request, reply) => {
    const mac = DEVICE_PATH.exec(request.url)?.[1];
    const entry = mac ? configFile(mac) : null;
    if (entry === null) {
      const wrapped = wrappedAnswer(request.url);
      if (wrapped === null) return reply.code(404).send();
      if (kind === 'fastify') reply.header('x-request-id', randomUUID());
      return reply.headers(apiHeaders).header('etag', wrapped.etag).send(wrapped.body);
    }
    if (kind === 'fastify') return reply.headers(headersOf(entry)).send(entry.bytes);
    reply.headers(fixedHeaders).header('etag', entry.etag);
    return request.headers['if-none-match'] === entry.etag ? reply.code(304).send() : reply.send(entry.bytes);
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
} else {
  console.error(`usage: node reference-server.mjs <node-http|node-http-writer-thread|node-http-locked|fastify|fastify-duties> <configs dir> <port> (not "${kind}")`);
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
