import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { AppError, BadRequest } from '../../domain/errors.js';
import { securityHeaderLines } from './security.js';


/** What Node's HTTP parser reports, as an error of the catalogue. */
function describe(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError('HEADERS_TOO_LARGE', 'Request headers are too large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError('REQUEST_TIMEOUT', 'The request was not received in time');
  return new BadRequest('Malformed HTTP request');
}

/**
 * Fastify's `clientErrorHandler`: HTTP that Node cannot parse (bad request
 * line, oversized headers, a request too slow to arrive) never reaches a
 * route, so the error envelope is written by hand on the raw socket.
 */
export function handleClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (refusedSockets.has(socket)) {
    // Answered already (see unknownBodyLength); what followed the request is not worth a second answer.
    socket.end();
    return;
  }
  const { statusCode, code, message } = describe(error.code);
  const correlationId = randomUUID();
  this.log.debug({ err: error, correlationId }, `HTTP client error: ${message}`);
  if (socket.writable) {
    const body = JSON.stringify({ error: message, code, details: {}, correlationId });
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${securityHeaderLines()}X-Request-Id: ${correlationId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Sockets whose request was refused with `Connection: close`: they close once that answer is sent. */
const refusedSockets = new WeakSet<Socket>();

/**
 * The refusal of a request whose Transfer-Encoding does not end in `chunked`, or undefined. Its body has
 * unknown length (RFC 9112, 6.3): Node's parser hands it to the app, then fails on the next bytes of the
 * connection. Answered 400 at once with `Connection: close`, rather than routed with what follows answered twice.
 */
export function unknownBodyLength(request: FastifyRequest, reply: FastifyReply): BadRequest | undefined {
  const transferEncoding = request.headers['transfer-encoding'];
  const codings = transferEncoding?.split(',') ?? [];
  if (codings.length === 0 || codings[codings.length - 1]!.trim().toLowerCase() === 'chunked') return undefined;
  refusedSockets.add(request.raw.socket);
  void reply.header('connection', 'close');
  return new BadRequest('Transfer-Encoding must end with chunked: the length of the request body cannot be told');
}
