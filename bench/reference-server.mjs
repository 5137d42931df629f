/**
 * The least a Node process must do to answer a device fetch as the service
 * does: one lstat per request (so a changed file is seen at once), the
 * bytes read again only when that stat changed, and the same response
 * headers. The benchmark runs it next to nginx to show where the runtime's
 * own ceiling lies: `node reference-server.mjs <node-http|fastify> <configs dir> <port>`,
 * with REFERENCE_HEADERS, a JSON object of the headers the service sent that
 * are the same on every response (the security headers, Cache-Control,
 * Content-Type). Each answer also gets an ETag and a fresh X-Request-Id, as
 * the service's do. Plain JavaScript, so that nothing but Node (and Fastify) runs.
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
} else if (kind === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/api/configs/:file', (request, reply) => {
    const mac = DEVICE_PATH.exec(request.url)?.[1];
    const entry = mac ? configFile(mac) : null;
    if (entry === null) return reply.code(404).send();
    return reply.headers(headersOf(entry)).send(entry.bytes);
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
} else {
  console.error(`usage: node reference-server.mjs <node-http|fastify> <configs dir> <port> (not "${kind}")`);
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
