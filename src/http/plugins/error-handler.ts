import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError, ShuttingDown, StorageBusy, StorageFull, StorageUnavailable, type FieldError } from '../../domain/errors.js';
import type { ErrorResponse } from '../schemas/errors.js';

interface Envelope {
  statusCode: number;
  body: ErrorResponse;
}

function envelope(statusCode: number, code: string, error: string, correlationId: string, details: Record<string, unknown> = {}): Envelope {
  return { statusCode, body: { error, code, details, correlationId } };
}

function fieldErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((issue) => {
    const params = issue.params as Record<string, unknown>;
    const location = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
    const field = [location, missing].filter(Boolean).join('.') || error.validationContext || 'body';
    // The field is the missing property itself: Ajv's "must have required property 'x'" would read "x must have required property 'x'".
    return { field, message: missing !== undefined ? 'is required' : (issue.message ?? 'is invalid') };
  });
}

/** Fastify's own 4xx errors, by their code, with the code clients see. */
const FRAMEWORK_CODES: Record<string, { code: string; message?: (error: FastifyError, bodyLimit?: number) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    message: (_error, bodyLimit) => (bodyLimit === undefined ? 'Request body is too large' : `Request body is too large: at most ${bodyLimit} bytes (MAX_BODY_BYTES)`),
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: () => 'Unsupported content type: send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_FAILED', message: () => 'Request body length does not match Content-Length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'VALIDATION_FAILED', message: () => 'Request body is empty; expected a JSON object' },
  // A request target that is neither a path nor an http(s) URL, or a `%` escape that does not decode: the request
  // itself is malformed, like unparsable HTTP.
  FST_ERR_BAD_URL: { code: 'BAD_REQUEST', message: () => 'The request URL is malformed: not a path or an http(s) URL, or a % escape in it does not decode' },
  // Fastify's own message repeats the whole segment (kilobytes, from a hostile client): keep it short.
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG', message: () => 'A segment of the request URL is too long (at most 256 characters)' },
};

declare module 'fastify' {
  interface FastifyInstance {
    /** Sends the web UI's page for an address it does not know (status 404); null while no UI is served. */
    uiPageNotFound: ((reply: FastifyReply) => Promise<FastifyReply>) | null;
  }
}

/** Paths that belong to the API, the metrics and the devices: a miss there is always the JSON envelope. */
const MACHINE_PATHS = /^\/(?:api|esp32|metrics)(?:\/|$)/;

/** A URL as quoted in a message: an overlong one is not echoed back whole. */
function shown(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}

/** The one mapping from anything thrown while handling a request to the error envelope; `bodyLimit` is the route's, when known. */
export function toEnvelope(error: unknown, correlationId: string, bodyLimit?: number): Envelope {
  if (error instanceof AppError) return envelope(error.statusCode, error.code, error.message, correlationId, error.details);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fieldErrors(fastifyError);
    const summary = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return envelope(400, 'VALIDATION_FAILED', `Request ${fastifyError.validationContext ?? 'body'} is invalid: ${summary}`, correlationId, { errors });
  }
  const known = fastifyError.code ? FRAMEWORK_CODES[fastifyError.code] : undefined;
  const statusCode = fastifyError.statusCode ?? 500;
  if (known) {
    const message = known.message!(fastifyError, bodyLimit);
    const details =
      known.code === 'VALIDATION_FAILED' ? { errors: [{ field: 'body', message }] } : known.code === 'PAYLOAD_TOO_LARGE' && bodyLimit !== undefined ? { limit_bytes: bodyLimit } : {};
    return envelope(statusCode, known.code, message, correlationId, details);
  }
  if (statusCode >= 400 && statusCode < 500) {
    return envelope(statusCode, 'BAD_REQUEST', fastifyError.message || 'Bad request', correlationId);
  }
  // Never show a 5xx's internal message to the client: it goes to the log.
  return envelope(statusCode >= 500 && statusCode < 600 ? statusCode : 500, 'INTERNAL_ERROR', 'Internal server error', correlationId);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { statusCode, body } = toEnvelope(error, request.id, request.routeOptions.bodyLimit);
  // Storage missing, busy or full is a state of the machine, said in the message: a stack adds nothing, and a volume
  // gone while every device polls would repeat one on every request. A refusal while shutting down is the normal
  // course of a restart: no error log at all.
  if (error instanceof StorageUnavailable || error instanceof StorageBusy || error instanceof StorageFull) request.log.warn({ code: body.code, statusCode }, body.error);
  else if (statusCode >= 500 && !(error instanceof ShuttingDown)) request.log.error({ err: error, code: body.code }, body.error);
  else request.log.info({ code: body.code, statusCode }, body.error);
  reply.errorCode = body.code;
  if (error instanceof AppError && error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  // Serialised here, not by the route's response schema: a route may describe its own body for this status
  // (health's 503), and the envelope run through that schema would fail as a 500.
  return reply.code(statusCode).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/**
 * Error envelope for every error, unknown routes (404) and known routes with
 * another method (405, with an Allow header).
 */
export default fp(
  async function errorHandler(app: FastifyInstance) {
    // A router of our own routes, to tell "wrong method" from "no such route".
    const routes = FindMyWay();
    const noop = () => undefined;
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD') continue;
        try {
          routes.on(method as HTTPMethod, route.url, noop);
        } catch {
          // Already known (e.g. a route registered with and without a trailing slash).
        }
      }
    });

    app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
    app.decorate('uiPageNotFound', null);

    app.setNotFoundHandler((request, reply) => {
      const url = request.url.split('?')[0]!;
      const allowed: string[] = (['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const).filter((method) => routes.find(method, url) !== null);
      // Fastify answers HEAD wherever there is a GET.
      if (allowed.includes('GET')) allowed.splice(1, 0, 'HEAD');
      // A route of this method that found nothing (a missing file under a static route) is a 404, not a 405.
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        reply.header('allow', allowed.join(', '));
        const error = new AppError(`Method ${request.method} is not allowed on ${shown(url)}; use ${allowed.join(', ')}`, 'METHOD_NOT_ALLOWED', 405);
        return sendError(request, reply, error);
      }
      // A person who mistyped an address in the browser gets the UI's "Page not found", not JSON.
      const fromBrowser = (request.method === 'GET' || request.method === 'HEAD') && request.headers.accept?.includes('text/html');
      if (fromBrowser && app.uiPageNotFound !== null && !MACHINE_PATHS.test(url)) return app.uiPageNotFound(reply);
      return sendError(request, reply, new AppError(`No route for ${request.method} ${shown(url)}`, 'ROUTE_NOT_FOUND', 404));
    });
  },
  { name: 'error-handler' },
);
