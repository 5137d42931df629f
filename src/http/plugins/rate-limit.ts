import { isIP } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RateLimited } from '../../domain/errors.js';
import type { Settings } from '../../settings.js';
import { errorResponses } from '../schemas/errors.js';

/** Loopback clients (the host itself: benchmarks, health checks, a local script) are exempt from the per-client limit. */
export function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith('127.');
  return ip === '::1' || ip.startsWith('::ffff:127.');
}

const HEALTH = '/api/health';

/** `/api/health` or `/api/health/live`, with or without a query: the probes' routes, and no other path. */
function isHealthProbe(url: string): boolean {
  if (!url.startsWith(HEALTH)) return false;
  const rest = url.slice(HEALTH.length);
  return rest === '' || rest === '/live' || rest.startsWith('?') || rest.startsWith('/live?');
}

/** Client addresses whose windows are kept; past it the least recently seen is dropped, so memory stays bounded. */
const TRACKED_CLIENTS = 20_000;

/** The plugin's own headers are left off: the 429's Retry-After comes with the error envelope, and devices need no counts. */
const NO_HEADERS = { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': false };

/**
 * The per-client request limit (RATE_LIMIT_PER_MINUTE), by @fastify/rate-limit: past it, 429 RATE_LIMITED with
 * Retry-After until the client's minute is over. Loopback and the health probes are exempt: a kubelet's address
 * may be shared with clients behind the same NAT.
 *
 * One hook for every request, unknown routes included, registered after CORS (a preflight is answered before it,
 * and a 429 carries the CORS headers) and before authentication (a flood without a token is limited too).
 */
export default fp(
  async function requestLimit(app: FastifyInstance, options: { settings: Settings }) {
    app.addHook('onRoute', (route) => {
      const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
      if (!schema?.response || schema.hide || isHealthProbe(route.url)) return;
      route.schema = { ...schema, response: { ...schema.response, ...errorResponses(429) } };
    });
    const perMinute = options.settings.rateLimitPerMinute;
    if (perMinute === 0) return;
    await app.register(rateLimit, {
      global: false,
      max: perMinute,
      timeWindow: 60_000,
      cache: TRACKED_CLIENTS,
      addHeaders: NO_HEADERS,
      addHeadersOnExceeding: NO_HEADERS,
      // Undefined once the client has gone (its socket destroyed): no one is left to limit. The address itself, not
      // the plugin's key: that groups IPv6 addresses by their /64, ::1 among them.
      allowList: (request) => request.ip === undefined || isLoopback(request.ip) || isHealthProbe(request.url),
      errorResponseBuilder: (request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return new RateLimited(`Too many requests from ${request.ip}: at most ${perMinute} per minute; retry in ${seconds} s`, seconds);
      },
    });
    app.addHook('onRequest', app.rateLimit());
  },
  { name: 'rate-limit', dependencies: ['request-context', 'cors'] },
);
