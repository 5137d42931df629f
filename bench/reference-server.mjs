/**
 * The least a Node process must do to answer a device fetch as the service
 * does: one lstat per request (so a changed file is seen at once), the
 * bytes read again only when that stat changed, and the same response
 * headers. The benchmark runs it next to nginx to show where the runtime's
 * own ceiling lies: `node reference-server.mjs <kind> <configs dir> <port>`,
 * with REFERENCE_HEADERS, a JSON object of the headers the service sent that
 * are the same on every response (the security headers, Cache-Control,
 * Content-Type). Each answer also gets an ETag and a fresh X-Request-Id, as
 * the service's do. Plain JavaScript, so that nothing but Node (and Fastify) runs.
 *
 * Kinds:
 * - `node-http`: bare node:http;
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

const [kind, dir, port] = process.argv.slice(2);
if (process.env.REFERENCE_HEADERS === undefined) {
  console.error('REFERENCE_HEADERS is not set: the reference must answer with the headers the service sends');
  process.exit(2);
}
const fixedHeaders = JSON.parse(process.env.REFERENCE_HEADERS);
const DEVICE_PATH = /^\/api\/configs\/([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\.json$/;
const cache = new Map();

/** The file's bytes and ETag, re-read only when its stat changed; null when it is not a regular file. */
function configFile(mac) {
  const file = path.join(dir, `${mac}.json`);
  const stat = fs.lstatSync(file, { bigint: true, throwIfNoEntry: false });
  if (stat === undefined || !stat.isFile()) return null;
  const key = `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
  let entry = cache.get(mac);
  if (entry?.key !== key) {
    const bytes = fs.readFileSync(file);
    entry = { key, bytes, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"` };
    cache.set(mac, entry);
  }
  return entry;
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
    observe(httpDurations, `${request.method} ${reply.statusCode} /api/configs/:mac.json`, seconds);
    observe(operationDurations, 'get_raw', seconds);
    const outcome = `get_raw ${reply.statusCode < 400 ? 'success' : 'not_found'}`;
    operations.set(outcome, (operations.get(outcome) ?? 0) + 1);
    done();
  });
  return app;
}

if (kind === 'node-http') {
  const server = http.createServer((request, response) => {
    const mac = DEVICE_PATH.exec(request.url ?? '')?.[1];
    const entry = request.method === 'GET' && mac ? configFile(mac) : null;
    if (entry === null) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, headersOf(entry)).end(entry.bytes);
  });
  server.listen(Number(port), '127.0.0.1');
} else if (kind === 'fastify' || kind === 'fastify-duties') {
  const { default: Fastify, LogController } = await import('fastify');
  const app = kind === 'fastify' ? Fastify({ logger: false }) : dutiesApp(Fastify, LogController);
  app.get('/api/configs/:file', (request, reply) => {
    const mac = DEVICE_PATH.exec(request.url)?.[1];
    const entry = mac ? configFile(mac) : null;
    if (entry === null) return reply.code(404).send();
    if (kind === 'fastify') return reply.headers(headersOf(entry)).send(entry.bytes);
    reply.headers(fixedHeaders).header('etag', entry.etag);
    return request.headers['if-none-match'] === entry.etag ? reply.code(304).send() : reply.send(entry.bytes);
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
} else {
  console.error(`usage: node reference-server.mjs <node-http|fastify|fastify-duties> <configs dir> <port> (not "${kind}")`);
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
