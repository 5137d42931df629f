import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Server } from 'node:http';
import Fastify, { LogController, type FastifyHttpOptions, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Settings } from './settings.js';
import auth from './http/plugins/auth.js';
import { handleClientError, refuseUnknownBodyLength } from './http/plugins/client-errors.js';
import configStore from './http/plugins/config-store.js';
import { correlationIdFor } from './http/correlation-id.js';
import { ShuttingDown } from './domain/errors.js';
import errorHandler, { toEnvelope } from './http/plugins/error-handler.js';
import metrics from './http/plugins/metrics.js';
import mqtt from './http/plugins/mqtt.js';
import openapi from './http/plugins/openapi.js';
import requestBody from './http/plugins/request-body.js';
import requestLimit from './http/plugins/request-limit.js';
import security, { SECURITY_HEADERS } from './http/plugins/security.js';
import ui from './http/plugins/ui.js';
import { VERSION } from './package-info.js';
import configRoutes from './http/routes/configs.js';
import deviceConfigRoutes from './http/routes/device-configs.js';
import healthRoutes from './http/routes/health.js';

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
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    maxRequestsPerSocket: 0,
    http: {
      // Node's default, stated: larger headers get 431 (in the envelope, from handleClientError).
      maxHeaderSize: 16_384,
      // A client must send its headers within 10 s (slowloris); the whole request within requestTimeout.
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      // How often Node looks for requests over those limits (its default, 30 s, lets a slow client hold a socket for a minute).
      connectionsCheckingInterval: 2_000,
    },
    // Malformed HTTP (unparsable, oversized headers, too slow) still gets an envelope-shaped answer.
    clientErrorHandler: handleClientError,
    routerOptions: { maxParamLength: 256 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    // Fastify's own 503 for a request that arrives while the service shuts down has neither the envelope nor
    // the security headers; buildApp answers such requests with SHUTTING_DOWN instead.
    return503OnClosing: false,
    // Errors met before routing (a malformed URL) still get the envelope, and the security headers.
    frameworkErrors: (error, request, reply) => {
      const { statusCode, body } = toEnvelope(error, request.id);
      void (reply as FastifyReply).code(statusCode).headers(SECURITY_HEADERS).header('x-request-id', request.id).send(body);
    },
  };
}

/** Builds the whole app. It never listens: `server.ts` does, and tests use `inject`. */
export async function buildApp(settings: Settings): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(settings)).withTypeProvider<TypeBoxTypeProvider>();

  // First of all: its onRequest hook adds the security headers, so every answer has them, even one refused by
  // the hooks below.
  await app.register(security);
  // Once shutdown has begun, a request arriving on a connection that is still open (Fastify marks its answer
  // Connection: close) is refused in the envelope, before any other hook or route runs.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // A callback hook, not an async one: this runs on every request, and a promise per request costs.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done(closing ? new ShuttingDown() : undefined);
  });
  app.addHook('onRequest', refuseUnknownBodyLength);

  await app.register(errorHandler);
  await app.register(requestBody);
  // Without origins CORS is off, and the plugin's hook would only cost every request a few µs for nothing
  // (a preflight then meets the 404/405 envelope, as it does when the plugin answers with origin: false).
  if (settings.corsOrigins.length > 0) {
    // The plugin's default methods (GET, HEAD, POST) would let a page read and rename configs but not save or delete them.
    await app.register(cors, {
      origin: settings.corsOrigins,
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      exposedHeaders: ['ETag', 'X-Request-Id'],
    });
  }
  // After the correlation id, so a 429 carries it; after CORS, so a browser page can read the 429 (and a
  // preflight, which CORS answers itself, is not counted).
  await app.register(requestLimit, { settings });
  // Before every route: its hook must see each route's access as it is added.
  await app.register(auth, { settings });
  await app.register(configStore, { settings });
  await app.register(openapi, { version: VERSION });
  await app.register(metrics);
  await app.register(mqtt, { settings });

  await app.register(healthRoutes);
  await app.register(configRoutes);
  await app.register(deviceConfigRoutes);
  await app.register(ui);

  return app;
}
