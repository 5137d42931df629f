import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
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

/** The levels at which Fastify logs every request (at info: "incoming request", "request completed"). */
const REQUEST_LOG_LEVELS = new Set<LogLevel>(['info', 'debug', 'trace']);

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
 * There is no shortcut when the settings ask Fastify for per-request work on every fetch: request logs
 * (LOG_LEVEL info, debug or trace), device tokens, CORS.
 */
export function deviceFetchShortcut(app: FastifyInstance, settings: Settings, isClosing: () => boolean): RequestShortcut | undefined {
  if (REQUEST_LOG_LEVELS.has(settings.logLevel) || settings.deviceTokens.length > 0 || settings.corsOrigins.length > 0) return undefined;
  const { configStore: store, metrics } = app;
  return (request, response) => {
    if (request.method !== 'GET' || isClosing()) return false;
    const url = request.url!;
    const match = DEVICE_FETCH_URL.exec(url);
    if (match === null) return false;
    const startedAt = performance.now();
    const { headers } = request;
    if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) return false;
    const routeIndex = match[1] !== undefined ? 0 : 1;
    const document = store.readNow(match[routeIndex + 1]!);
    if (document === undefined) return false;
    // Counted last: a request left to Fastify before this point is counted once, there. The socket's address is
    // what Fastify gives as request.ip, since the app trusts no proxy headers.
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

/**
 * Puts the device fetch's shortcut in front of Fastify on the app's server, when the settings allow one: each
 * request goes to it first, and to Fastify's handler when it declines. Hooks added to the app afterwards do not
 * see the requests it answers. A second server Fastify makes when it listens (both addresses of `localhost`)
 * gets Fastify's handler alone, and answers as before.
 */
export function answerDeviceFetchesFirst(app: FastifyInstance, settings: Settings, isClosing: () => boolean): void {
  const shortcut = deviceFetchShortcut(app, settings, isClosing);
  if (shortcut === undefined) return;
  const listeners = app.server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  if (listeners.length !== 1) throw new Error(`expected Fastify's request handler alone on its server, found ${listeners.length} listeners`);
  const fastifyHandler = listeners[0]!;
  app.server.removeListener('request', fastifyHandler);
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    let answered: boolean;
    try {
      answered = shortcut(request, response);
    } catch (error) {
      // A listener that throws would take the process down. Nothing sent yet: Fastify answers, and turns
      // whatever fails there into the envelope.
      if (!response.headersSent) return fastifyHandler(request, response);
      app.log.error({ err: error }, 'The device fetch shortcut failed after answering');
      return;
    }
    if (!answered) fastifyHandler(request, response);
  });
}
