import type { Server } from 'node:http';
import { LogController, type FastifyHttpOptions, type FastifyReply } from 'fastify';
import type { Settings } from '../settings.js';
import { correlationIdFor } from './correlation-id.js';
import { handleClientError } from './plugins/client-errors.js';
import { toEnvelope } from './plugins/error-handler.js';
import { setSecurityHeaders } from './plugins/security.js';

/** The whole request, body included, must arrive within this long; a stalled upload is answered 408 and closed. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Fastify's options for these settings. The server and the tests both build
 * the app from this one function, so tests run the configuration that ships.
 */
export function serverOptions(settings: Settings): FastifyHttpOptions<Server> {
  return {
    logger: {
      level: settings.logLevel,
      redact: ['req.headers.authorization'],
    },
    genReqId: (request) => correlationIdFor(request.headers['x-request-id']),
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    bodyLimit: settings.maxBodyBytes,
    // Limits set on purpose rather than left at defaults by accident.
    connectionTimeout: 30_000,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: 72_000,
    maxRequestsPerSocket: 0,
    http: {
      // Node's default, stated: larger headers get 431 (in the envelope, from handleClientError).
      maxHeaderSize: 16_384,
      // A client must send its headers within 10 s (slowloris); the whole request within requestTimeout.
      headersTimeout: 10_000,
      requestTimeout: REQUEST_TIMEOUT_MS,
      // How often Node looks for requests over those limits (its default, 30 s, lets a slow client hold a socket for a minute).
      connectionsCheckingInterval: 2_000,
    },
    // Malformed HTTP (unparsable, oversized headers, too slow) still gets an envelope-shaped answer.
    clientErrorHandler: handleClientError,
    routerOptions: { maxParamLength: 256 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    // Fastify's own 503 for a request that arrives while the service shuts down has neither the envelope nor
    // the security headers; the request-context plugin answers such requests with SHUTTING_DOWN instead.
    return503OnClosing: false,
    // Errors met before routing (a malformed URL) still get the envelope, and the security headers: no hook runs there.
    frameworkErrors: (error, request, reply) => {
      const { statusCode, body } = toEnvelope(error, request.id);
      setSecurityHeaders(request.raw, reply.raw);
      void (reply as FastifyReply).code(statusCode).header('x-request-id', request.id).send(body);
    },
  };
}
