import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { LogLevel, Settings } from './config.js';
import { correlationIdFor } from './correlation-id.js';
import { CANONICAL_MAC_PATTERN } from './mac.js';
import { SECURITY_HEADERS } from './plugins/security.js';
import { JSON_CONTENT_TYPE } from './routes/config-body.js';
import { DEVICE_FETCH_CACHE_CONTROL, DEVICE_FETCH_ROUTES, deviceHasCurrent } from './routes/device-configs.js';

/** Answers a request before Fastify routes it (true), or leaves it to Fastify (false) having sent nothing. */
export type RequestShortcut = (request: IncomingMessage, response: ServerResponse) => boolean;

const CANONICAL_MAC = CANONICAL_MAC_PATTERN.source.slice(1, -1);

/**
 * The device fetch's routes with a canonical MAC and nothing else: no query, no escapes, no other spelling of
 * the MAC. Group i + 1 holds the MAC when route i matched.
 */
const DEVICE_FETCH_URL = new RegExp(`^(?:${DEVICE_FETCH_ROUTES.map((route) => route.replaceAll('.', '\\.').replace(':mac', `(${CANONICAL_MAC})`)).join('|')})$`);

/**
 * The device fetch in its plain case, answered before Fastify routes the request: a GET of an unchanged config
 * on fast storage, the request a fleet makes most by far. Fastify's routing, request and reply objects and hook
 * chain took a quarter to a third of such a fetch's CPU (see the README's Performance section).
 *
 * The answer is the route's own, header for header: the security headers, the correlation id, the ETag and
 * Cache-Control, then 200 with the stored bytes or 304. The request is counted by the per-client limit and
 * recorded in the metrics as the route would record it. Anything else is left to Fastify, which answers it as
 * before: another method or URL, a request with a body, a config the store cannot give at once (missing,
 * unusable, or storage slow), a client over its limit (counted again there, which changes nothing: past the
 * limit every request of the window is refused), a service shutting down.
 *
 * There is no shortcut when the settings ask Fastify for per-request work on every fetch: request logs (log
 * level info or lower), device tokens, CORS.
 */
/** The levels at which Fastify logs every request (at info: "incoming request", "request completed"). */
const REQUEST_LOG_LEVELS = new Set<LogLevel>(['info', 'debug', 'trace']);

export function deviceFetchShortcut(app: FastifyInstance, settings: Settings, isClosing: () => boolean): RequestShortcut | undefined {
  if (REQUEST_LOG_LEVELS.has(settings.logLevel) || settings.deviceTokens.length > 0 || settings.corsOrigins.length > 0) return undefined;
  const { configStore: store, metrics } = app;
  return (request, response) => {
    const startedAt = performance.now();
    if (request.method !== 'GET' || isClosing()) return false;
    const url = request.url!;
    const match = DEVICE_FETCH_URL.exec(url);
    if (match === null) return false;
    const { headers } = request;
    if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) return false;
    const routeIndex = match[1] !== undefined ? 0 : 1;
    const document = store.readNow(match[routeIndex + 1]!);
    if (document === undefined) return false;
    // Counted last: a request left to Fastify before this point is counted once, there.
    if (app.countRequest(request.socket.remoteAddress, url) !== undefined) return false;

    const answerHeaders: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'x-request-id': correlationIdFor(headers['x-request-id']),
      etag: document.etag,
      'cache-control': DEVICE_FETCH_CACHE_CONTROL,
    };
    let statusCode: 200 | 304;
    if (deviceHasCurrent(headers['if-none-match'], document)) {
      statusCode = 304;
      response.writeHead(statusCode, answerHeaders).end();
    } else {
      statusCode = 200;
      answerHeaders['content-type'] = JSON_CONTENT_TYPE;
      answerHeaders['content-length'] = document.bytes.length;
      response.writeHead(statusCode, answerHeaders).end(document.bytes);
    }
    metrics.recordResponse('GET', DEVICE_FETCH_ROUTES[routeIndex], statusCode, 'get_raw', undefined, (performance.now() - startedAt) / 1000);
    return true;
  };
}

/** The options, with Fastify's defaults applied, that it hands a server factory. */
interface ServerFactoryOptions {
  http?: http.ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket: number;
}

/**
 * Fastify's server factory: the HTTP server Fastify would create with these options, whose requests go to
 * `shortcut()` first (read on each request: the shortcut needs the app, which is built after its server).
 */
export function serverWithShortcut(shortcut: () => RequestShortcut | undefined): FastifyServerFactory {
  return (handler, fastifyOptions) => {
    const options = fastifyOptions as unknown as ServerFactoryOptions;
    const server = http.createServer(options.http ?? {}, (request, response) => {
      if (shortcut()?.(request, response) !== true) handler(request, response);
    });
    // What Fastify sets on a server it creates itself (lib/server.js), which it leaves to a factory.
    server.keepAliveTimeout = options.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}
