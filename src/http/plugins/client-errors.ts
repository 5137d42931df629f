import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { BadRequest } from '../../domain/errors.js';
import { SECURITY_HEADERS } from './security.js';

const SECURITY_HEADER_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** What Node's HTTP parser reports, mapped to a status and the envelope's code and message. */
function describe(code: string | undefined): { status: number; reason: string; envelopeCode: string; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, reason: 'Request Header Fields Too Large', envelopeCode: 'HEADERS_TOO_LARGE', message: 'Request headers are too large' };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, reason: 'Request Timeout', envelopeCode: 'REQUEST_TIMEOUT', message: 'The request was not received in time' };
  }
  return { status: 400, reason: 'Bad Request', envelopeCode: 'BAD_REQUEST', message: 'Malformed HTTP request' };
}

/**
 * Fastify's `clientErrorHandler`: HTTP that Node cannot parse (bad request
 * line, oversized headers, a request too slow to arrive) never reaches a
 * route, so the error envelope is written by hand on the raw socket.
 */
export function handleClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (refusedSockets.has(socket)) {
    // Answered already (see refuseUnknownBodyLength); what followed the request is not worth a second answer.
    socket.end();
    return;
  }
  const { status, reason, envelopeCode, message } = describe(error.code);
  const correlationId = randomUUID();
  this.log.debug({ err: error, correlationId }, `HTTP client error: ${message}`);
  if (socket.writable) {
    const body = JSON.stringify({ error: message, code: envelopeCode, details: {}, correlationId });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${SECURITY_HEADER_LINES}X-Request-Id: ${correlationId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Sockets whose request was refused with `Connection: close`: they close once that answer is sent. */
const refusedSockets = new WeakSet<Socket>();

/**
 * An `onRequest` hook. A request whose Transfer-Encoding does not end in
 * `chunked` has a body of unknown length (RFC 9112, 6.3). Node's parser
 * hands it to the app, then fails on the next bytes of the connection: answer
 * 400 at once and close, rather than route it and answer what follows twice.
 */
export function refuseUnknownBodyLength(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const transferEncoding = request.headers['transfer-encoding'];
  const codings = transferEncoding?.split(',') ?? [];
  if (codings.length === 0 || codings[codings.length - 1]!.trim().toLowerCase() === 'chunked') return done();
  refusedSockets.add(request.raw.socket);
  void reply.header('connection', 'close');
  done(new BadRequest('Transfer-Encoding must end with chunked: the length of the request body cannot be told'));
}
