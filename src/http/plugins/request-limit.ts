import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Settings } from '../../settings.js';
import { RateLimited } from '../../domain/errors.js';
import { errorResponses } from '../schemas/errors.js';
import { secondsLeft, WindowCounter } from '../window-counter.js';

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

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts a request from `ip` (undefined once the client has gone) for `url` against the per-client limit,
     * and gives the refusal when it is over. The `onRequest` hook and the config read shortcut both count
     * through it, so a device is limited alike whichever answers it.
     */
    countRequest(ip: string | undefined, url: string): RateLimited | undefined;
  }
}

/**
 * The per-client request limit (RATE_LIMIT_PER_MINUTE): past it, 429 with Retry-After until the client's
 * minute is over. Loopback is exempt. One synchronous count per request: this runs on every request.
 */
export default fp(
  async function requestLimit(app: FastifyInstance, options: { settings: Settings }) {
    app.addHook('onRoute', (route) => {
      const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
      if (!schema?.response || schema.hide || isHealthProbe(route.url)) return;
      route.schema = { ...schema, response: { ...schema.response, ...errorResponses(429) } };
    });
    const perMinute = options.settings.rateLimitPerMinute;
    if (perMinute === 0) {
      app.decorate('countRequest', () => undefined);
      return;
    }
    const requests = new WindowCounter(60_000);
    app.decorate('countRequest', (ip: string | undefined, url: string): RateLimited | undefined => {
      // No one is left to limit once the client has gone (its socket destroyed).
      if (ip === undefined || isLoopback(ip)) return undefined;
      // Probes are never refused: a kubelet's address may be shared with clients behind the same NAT.
      if (isHealthProbe(url)) return undefined;
      const window = requests.hit(ip);
      if (window.count <= perMinute) return undefined;
      const seconds = secondsLeft(window);
      return new RateLimited(`Too many requests from ${ip}: at most ${perMinute} per minute; retry in ${seconds} s`, seconds);
    });
    app.addHook('onRequest', (request, _reply, done) => {
      // Undefined once the client has gone: Fastify's types do not say so.
      const ip: string | undefined = request.ip;
      done(app.countRequest(ip, request.url));
    });
  },
  { name: 'request-limit' },
);
