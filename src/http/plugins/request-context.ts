import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ShuttingDown } from '../../domain/errors.js';
import { unknownBodyLength } from './client-errors.js';
import { setSecurityHeaders } from './security.js';

/**
 * What every request gets before anything else looks at it: its correlation id in `X-Request-Id`, a refusal
 * while the service shuts down, and a refusal of a body whose length cannot be told.
 */
export default fp(
  async function requestContext(app: FastifyInstance) {
    // Once shutdown has begun, a request arriving on a connection that is still open (Fastify marks its answer
    // Connection: close) is refused in the envelope, before any other hook or route runs.
    let closing = false;
    app.addHook('preClose', (done) => {
      closing = true;
      done();
    });
    // Synchronous and first of all: a body of unknown length must be refused before Node's parser reads on. The
    // hooks after these (helmet's among them) do not run for a refused request, so the refusal sets helmet's headers.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      const refusal = closing ? new ShuttingDown() : unknownBodyLength(request, reply);
      if (refusal !== undefined) setSecurityHeaders(request.raw, reply.raw);
      done(refusal);
    });
  },
  { name: 'request-context' },
);
