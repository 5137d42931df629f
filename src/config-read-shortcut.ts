import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { LogLevel, Settings } from './settings.js';
import { correlationIdFor } from './http/correlation-id.js';
import { CANONICAL_MAC_PATTERN } from './domain/mac.js';
import type { Operation } from './http/metrics.js';
import type { Access } from './http/plugins/auth.js';
import { SECURITY_HEADERS } from './http/plugins/security.js';
import { CONFIG_READ_CONFIG, CONFIG_ROUTE, configReadAnswer } from './http/routes/configs.js';
import { DEVICE_FETCH_CONFIG, DEVICE_FETCH_ROUTES, deviceFetchAnswer } from './http/routes/device-configs.js';
import type { ConfigDocument } from './storage/config-store.js';

/** Answers a request before Fastify routes it (true), or leaves it to Fastify (false) having sent nothing. */
export type RequestShortcut = (request: IncomingMessage, response: ServerResponse) => boolean;

type AnswerHeaders = Record<string, string | number>;

/** A read the shortcut answers: its route as registered in Fastify, the route's config (what it records and requires), and its answer. */
interface ShortcutRead {
  route: string;
  config: { operation: Operation; access: Access };
  /** The route's own answer: sets its headers on `headers`, gives the body, or null for a bodiless 304. */
  answer(document: ConfigDocument, request: IncomingMessage, headers: AnswerHeaders): Buffer | null;
}

const READS: readonly ShortcutRead[] = [
  ...DEVICE_FETCH_ROUTES.map(
    (route): ShortcutRead => ({ route, config: DEVICE_FETCH_CONFIG, answer: (document, request, headers) => deviceFetchAnswer(document, request.headers['if-none-match'], headers) }),
  ),
  { route: CONFIG_ROUTE, config: CONFIG_READ_CONFIG, answer: (document, _request, headers) => configReadAnswer(document, headers) },
];

const CANONICAL_MAC = CANONICAL_MAC_PATTERN.source.slice(1, -1);

/**
 * The shortcut's routes with a canonical MAC and nothing else: no query, no escapes, no other spelling of the
 * MAC. Group i + 1 holds the MAC when READS[i] matched.
 */
const READ_URL = new RegExp(`^(?:${READS.map(({ route }) => route.replaceAll('.', '\\.').replace(':mac', `(${CANONICAL_MAC})`)).join('|')})$`);

/** The levels at which Fastify logs every request (at info: "incoming request", "request completed"). */
const REQUEST_LOG_LEVELS = new Set<LogLevel>(['info', 'debug', 'trace']);

/**
 * Reads of one config in their plain case, answered before Fastify routes them: a GET of an unchanged config
 * on fast storage, by a device (`/api/configs/<mac>.json`, `/esp32/config/<mac>.json`) or through the admin API
 * (`/api/configs/<mac>`). The device fetch is the request a fleet makes most by far, and Fastify's routing,
 * request and reply objects and hook chain took a quarter of its CPU (see the README's Performance section).
 *
 * The answer is the route's own (the same function gives it), after the headers the app's hooks add to every
 * answer: the security headers, the correlation id. The request is let through by the route's access (app.grantsAccess), counted by the per-client
 * limit and recorded in the metrics as the route would record it. Anything else is left to Fastify, which
 * answers it as before: another method or URL, a request with a body, a config the store cannot give at once
 * (missing, unusable, or storage slow), a token missing or wrong, an address blocked for failed attempts, a
 * client over its limit (counted again there, which changes nothing: past the limit every request of the
 * window is refused), a service shutting down.
 *
 * There is no shortcut when the settings ask Fastify for per-request work on every read: request logs
 * (LOG_LEVEL info, debug or trace), CORS.
 */
export function configReadShortcut(app: FastifyInstance, settings: Settings, isClosing: () => boolean): RequestShortcut | undefined {
  if (REQUEST_LOG_LEVELS.has(settings.logLevel) || settings.corsOrigins.length > 0) return undefined;
  const { configStore: store, metrics } = app;
  return (request, response) => {
    if (request.method !== 'GET' || isClosing()) return false;
    const url = request.url!;
    const match = READ_URL.exec(url);
    if (match === null) return false;
    const startedAt = performance.now();
    const { headers } = request;
    if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) return false;
    // Which route matched: the one whose group holds the MAC.
    let i = 0;
    while (match[i + 1] === undefined) i++;
    const read = READS[i]!;
    // The socket's address is what Fastify gives as request.ip, since the app trusts no proxy headers.
    const ip = request.socket.remoteAddress;
    if (!app.grantsAccess(read.config.access, ip, headers.authorization)) return false;
    const document = store.readNow(match[i + 1]!);
    if (document === undefined) return false;
    // Counted last: a request left to Fastify before this point is counted once, there.
    if (app.countRequest(ip, url) !== undefined) return false;

    const answerHeaders: AnswerHeaders = { ...SECURITY_HEADERS, 'x-request-id': correlationIdFor(headers['x-request-id']) };
    const body = read.answer(document, request, answerHeaders);
    const statusCode = body === null ? 304 : 200;
    if (body !== null) answerHeaders['content-length'] = body.length;
    response.writeHead(statusCode, answerHeaders).end(body ?? undefined);
    metrics.recordResponse('GET', read.route, statusCode, read.config.operation, undefined, (performance.now() - startedAt) / 1000);
    return true;
  };
}

/**
 * Puts the config read shortcut in front of Fastify on the app's server, when the settings allow one: each
 * request goes to it first, and to Fastify's handler when it declines. Hooks added to the app afterwards do not
 * see the requests it answers. A second server Fastify makes when it listens (both addresses of `localhost`)
 * gets Fastify's handler alone, and answers as before.
 */
export function answerConfigReadsFirst(app: FastifyInstance, settings: Settings, isClosing: () => boolean): void {
  const shortcut = configReadShortcut(app, settings, isClosing);
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
      app.log.error({ err: error }, 'The config read shortcut failed after answering');
      return;
    }
    if (!answered) fastifyHandler(request, response);
  });
}
