import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Settings } from '../../settings.js';

/**
 * CORS for the origins in CORS_ORIGINS. Without origins nothing is registered: a preflight then meets the
 * 404/405 envelope, as it would were the plugin to answer with `origin: false`.
 */
export default fp(
  async function corsOrigins(app: FastifyInstance, options: { settings: Settings }) {
    if (options.settings.corsOrigins.length === 0) return;
    await app.register(cors, {
      origin: options.settings.corsOrigins,
      // The plugin's default methods (GET, HEAD, POST) would let a page read and rename configs but not save or delete them.
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      exposedHeaders: ['ETag', 'X-Request-Id'],
    });
  },
  { name: 'cors', dependencies: ['request-context'] },
);
