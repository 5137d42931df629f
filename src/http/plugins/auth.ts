import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Settings } from '../../settings.js';
import { RateLimited, Unauthorized } from '../../domain/errors.js';
import { errorResponses } from '../schemas/errors.js';
import { secondsLeft, WindowCounter } from '../window-counter.js';

/**
 * Who may call a route once tokens are configured:
 * - `admin`: an admin token is required (data-changing routes, the list, the wrapped GET);
 * - `device`: open, unless DEVICE_TOKEN is set; then a device or an admin token is required;
 * - `public`: always open (health, metrics, docs, the UI's static files).
 */
export type Access = 'admin' | 'device' | 'public';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the admin token the request was let in with, or null (no token needed, or a device token). */
    adminTokenName: string | null;
  }
  interface FastifyContextConfig {
    /** Who may call this route; see {@link Access}. Unmarked routes follow `defaultAccess`. */
    access?: Access;
  }
}

export const AUTH_REALM = 'iot-config-manager';
/** Failed attempts (a wrong token) allowed per client address and minute before 429. */
export const AUTH_FAILURES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * The index of `presented` among the tokens whose digests are `known`, or -1.
 * Digests have one length, so timingSafeEqual never throws and the time
 * taken does not depend on how much of a token was right; every entry is
 * compared, so it does not depend on which one matched either.
 */
export function tokenIndex(presented: string, known: readonly Buffer[]): number {
  const candidate = digest(presented);
  let matched = -1;
  for (let i = 0; i < known.length; i++) if (timingSafeEqual(candidate, known[i]!)) matched = i;
  return matched;
}

/** True when `presented` is one of the tokens whose digests are `known`. */
export function tokenMatches(presented: string, known: readonly Buffer[]): boolean {
  return tokenIndex(presented, known) >= 0;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/**
 * Access of routes not marked with `config.access`: the docs and anything
 * read outside `/api` (the UI's files, /metrics) are public; CORS
 * preflights carry no credentials by design; everything else under `/api`,
 * and every other method, needs an admin token, so a route added later
 * without a mark fails closed.
 */
export function defaultAccess(method: string, url: string | undefined): Access {
  if (url === undefined) return 'public'; // no route: the 404/405 envelope reveals nothing
  if (method === 'OPTIONS') return 'public';
  if (url === '/api/docs' || url.startsWith('/api/docs/')) return 'public';
  if ((method === 'GET' || method === 'HEAD') && !url.startsWith('/api/')) return 'public';
  return 'admin';
}

/**
 * Optional bearer-token authentication, enforced in one onRequest hook from
 * each route's `config.access`. Without tokens it is not registered at all
 * and the service says once, at start-up, that it is open.
 */
export default fp(
  async function auth(app: FastifyInstance, options: { settings: Settings }) {
    const { adminTokens, deviceTokens } = options.settings;
    app.decorateRequest('adminTokenName', null);

    // The OpenAPI document states each route's access and its 401 and 429 answers, whether or not tokens are set here.
    app.addHook('onRoute', (route) => {
      const schema = route.schema as (Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> }) | undefined;
      if (!schema?.response || schema.hide) return;
      const method = Array.isArray(route.method) ? route.method[0]! : route.method;
      const access = route.config?.access ?? defaultAccess(method, route.url);
      // 429: too many failed authentications. The request limit documents its own 429.
      const response = access === 'public' ? schema.response : { ...schema.response, ...errorResponses(401, 429) };
      // `{}` first: device routes are open unless DEVICE_TOKEN is set.
      const security: Record<string, string[]>[] | undefined =
        access === 'admin' ? [{ bearerAuth: [] }] : access === 'device' ? [{}, { bearerAuth: [] }] : undefined;
      route.schema = { ...schema, response, ...(security ? { security } : {}) };
    });

    if (adminTokens.length === 0 && deviceTokens.length === 0) {
      app.log.warn('Authentication is off: ADMIN_TOKEN / ADMIN_TOKENS_FILE are not set, so anyone who can reach this service can change configs');
      return;
    }
    if (adminTokens.length === 0) {
      app.log.warn('Only DEVICE_TOKEN is set: the admin API stays open; set ADMIN_TOKEN to protect it');
    }
    const admin = adminTokens.map(({ token }) => digest(token));
    const device = [...admin, ...deviceTokens.map(digest)];

    // An address over the limit of failed attempts is refused before its token is even checked, so a guess made
    // while blocked tells the guesser nothing.
    const failures = new WindowCounter(WINDOW_MS);

    /** The window of failed attempts of an address blocked by them, or undefined. */
    const blockedWindow = (ip: string | undefined) => {
      const window = failures.peek(ip ?? '');
      return window !== undefined && window.count > AUTH_FAILURES_PER_MINUTE ? window : undefined;
    };
    const refuseIfBlocked = (request: FastifyRequest): void => {
      const window = blockedWindow(request.ip);
      if (window === undefined) return;
      const seconds = secondsLeft(window);
      throw new RateLimited(`Too many failed authentication attempts from ${request.ip}; retry in ${seconds} s`, seconds);
    };
    /** The digests of the tokens a route of `access` accepts; null when it is open. */
    const acceptedTokens = (access: Access): readonly Buffer[] | null => {
      if (access === 'public') return null;
      if (access === 'admin') return admin.length === 0 ? null : admin;
      return deviceTokens.length === 0 ? null : device;
    };

    /**
     * Whether the route is open, or the token valid and the address not blocked for failed attempts. It counts
     * nothing. An admin token's name is kept on the request: changes are recorded under it.
     */
    const grantsAccess = (request: FastifyRequest, access: Access): boolean => {
      const accepted = acceptedTokens(access);
      if (accepted === null) return true;
      if (blockedWindow(request.ip) !== undefined) return false;
      const token = bearerToken(request.headers.authorization);
      const index = token === null ? -1 : tokenIndex(token, accepted);
      if (index < admin.length && index >= 0) request.adminTokenName = adminTokens[index]!.name;
      return index >= 0;
    };

    /** Throws the 401 or 429 for a request its route's access refuses. */
    const checkAccess = (request: FastifyRequest, reply: FastifyReply): void => {
      // routeOptions is a getter that builds a new object: read once.
      const { config, url } = request.routeOptions;
      const access = config.access ?? defaultAccess(request.method, url);
      if (grantsAccess(request, access)) return;

      // Refused: blocked, or a token missing or wrong.
      refuseIfBlocked(request);
      reply.header('www-authenticate', `Bearer realm="${AUTH_REALM}"`);
      if (bearerToken(request.headers.authorization) === null) {
        throw new Unauthorized(access === 'admin' ? 'Authentication required: send Authorization: Bearer <admin token>' : 'Authentication required: send Authorization: Bearer <device token>');
      }
      failures.hit(request.ip ?? '');
      refuseIfBlocked(request);
      throw new Unauthorized('The bearer token is not valid for this route');
    };

    // A callback hook, not an async one: with tokens set it runs on every request, and a promise per request costs.
    app.addHook('onRequest', (request, reply, done) => {
      try {
        checkAccess(request, reply);
      } catch (error) {
        return done(error as Error);
      }
      done();
    });
  },
  { name: 'auth', dependencies: ['rate-limit'] },
);
