import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Settings } from '../config.js';
import { RateLimited } from '../errors.js';
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
    if (perMinute === 0) return;
    const requests = new WindowCounter(60_000);
    app.addHook('onRequest', (request, reply, done) => {
      // Undefined once the client has gone (its socket destroyed): there is no one left to limit.
      const ip: string | undefined = request.ip;
      if (ip === undefined || isLoopback(ip)) return done();
      // Probes are never refused: a kubelet's address may be shared with clients behind the same NAT.
      if (isHealthProbe(request.url)) return done();
      const window = requests.hit(ip);
      if (window.count <= perMinute) return done();
      const seconds = secondsLeft(window);
      done(new RateLimited(`Too many requests from ${ip}: at most ${perMinute} per minute; retry in ${seconds} s`, seconds));
    });
  },
  { name: 'request-limit' },
);
