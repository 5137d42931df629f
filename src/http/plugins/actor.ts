import { BlockList, isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { normaliseActor } from '../../domain/history-version.js';
import type { Settings } from '../../settings.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as, for the history and the log: see {@link actorOf}. */
    readonly actor: string;
  }
}

/** The user name headers forward-auth proxies (Authelia, Authentik, oauth2-proxy) set, in the order they are read. */
const USER_HEADERS = ['remote-user', 'x-forwarded-user'] as const;

/** A BlockList holding TRUSTED_PROXIES (checked as valid when the settings were read). */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/**
 * The best identity a request carries: the user a trusted reverse proxy
 * names (from no other address, so a client cannot name itself), else the
 * name of the admin token it sent, else `anonymous@<client address>`.
 */
export function actorOf(request: FastifyRequest, trusted: BlockList | null): string {
  const peer = request.socket?.remoteAddress;
  if (trusted !== null && peer !== undefined && trusted.check(peer, isIPv6(peer) ? 'ipv6' : 'ipv4')) {
    for (const name of USER_HEADERS) {
      const value = request.headers[name];
      const user = typeof value === 'string' ? normaliseActor(value) : '';
      if (user !== '') return user;
    }
  }
  return request.adminTokenName ?? `anonymous@${request.ip}`;
}

/** Gives each request its actor, and puts it in the log lines of requests that change something. */
export default fp(
  async function actor(app: FastifyInstance, options: { settings: Settings }) {
    const trusted = options.settings.trustedProxies.length > 0 ? trustedProxyList(options.settings.trustedProxies) : null;
    app.decorateRequest('actor', {
      getter(this: FastifyRequest) {
        return actorOf(this, trusted);
      },
    });
    // After authentication, which names the token; reads are many and leave their log lines as they are.
    app.addHook('onRequest', (request, reply, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS' && request.routeOptions.url !== undefined) {
        const log = request.log.child({ actor: request.actor });
        request.log = log;
        reply.log = log;
      }
      done();
    });
  },
  { name: 'actor', dependencies: ['auth'] },
);
