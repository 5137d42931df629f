import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError, BadRequest, ShuttingDown, StorageBusy, StorageFull, StorageUnavailable, ValidationFailed, type FieldError } from '../../domain/errors.js';
import { UNSUPPORTED_MEDIA_TYPE_MESSAGE } from './request-body.js';
import type { ErrorResponse } from '../schemas/errors.js';

interface Envelope {
  statusCode: number;
  body: ErrorResponse;
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

const bodyFieldError = (message: string) => new ValidationFailed(message, [{ field: 'body', message }]);

/** Fastify's own errors, by their code, as the catalogue's; `bodyLimit` is the route's, when known. */
const FRAMEWORK_ERRORS: Record<string, (bodyLimit: number | undefined) => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (bodyLimit) =>
    bodyLimit === undefined
      ? new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large')
      : new AppError('PAYLOAD_TOO_LARGE', `Request body is too large: at most ${bodyLimit} bytes (MAX_BODY_BYTES)`, { limit_bytes: bodyLimit }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new AppError('UNSUPPORTED_MEDIA_TYPE', UNSUPPORTED_MEDIA_TYPE_MESSAGE),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => bodyFieldError('Request body length does not match Content-Length'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => bodyFieldError('Request body is empty; expected a JSON object'),
  // A request target that is neither a path nor an http(s) URL, or a `%` escape that does not decode: the request
  // itself is malformed, like unparsable HTTP.
  FST_ERR_BAD_URL: () => new BadRequest('The request URL is malformed: not a path or an http(s) URL, or a % escape in it does not decode'),
  // Fastify's own message repeats the whole segment (kilobytes, from a hostile client): keep it short.
  FST_ERR_MAX_PARAM_LENGTH: () => new AppError('URI_TOO_LONG', 'A segment of the request URL is too long (at most 256 characters)'),
};

/** Anything thrown while handling a request, as an error of the catalogue. */
function asAppError(error: unknown, bodyLimit?: number): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fieldErrors(fastifyError);
    const summary = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return new ValidationFailed(`Request ${fastifyError.validationContext ?? 'body'} is invalid: ${summary}`, errors);
  }
  const known = fastifyError.code ? FRAMEWORK_ERRORS[fastifyError.code] : undefined;
  if (known) return known(bodyLimit);
  const statusCode = fastifyError.statusCode ?? 500;
  if (statusCode >= 400 && statusCode < 500) return new AppError('BAD_REQUEST', fastifyError.message || 'Bad request', {}, { statusCode });
  // Never show a 5xx's internal message to the client: it goes to the log.
  return new AppError('INTERNAL_ERROR', 'Internal server error', {}, { statusCode: statusCode >= 500 && statusCode < 600 ? statusCode : 500 });
}

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

/** The one mapping from anything thrown while handling a request to the error envelope. */
export function toEnvelope(error: unknown, correlationId: string, bodyLimit?: number): Envelope {
  const { statusCode, code, message, details } = asAppError(error, bodyLimit);
  return { statusCode, body: { error: message, code, details, correlationId } };
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
        const error = new AppError('METHOD_NOT_ALLOWED', `Method ${request.method} is not allowed on ${shown(url)}; use ${allowed.join(', ')}`);
        return sendError(request, reply, error);
      }
      // A person who mistyped an address in the browser gets the UI's "Page not found", not JSON.
      const fromBrowser = (request.method === 'GET' || request.method === 'HEAD') && request.headers.accept?.includes('text/html');
      if (fromBrowser && app.uiPageNotFound !== null && !MACHINE_PATHS.test(url)) return app.uiPageNotFound(reply);
      return sendError(request, reply, new AppError('ROUTE_NOT_FOUND', `No route for ${request.method} ${shown(url)}`));
    });
  },
  { name: 'error-handler' },
);
