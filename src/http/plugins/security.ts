import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The content security policy of the UI and the docs: everything from this
 * origin only, no inline scripts; inline styles are allowed because the
 * editor (CodeMirror) and Swagger UI set style attributes.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * helmet's headers for an answer of any kind, JSON included: what it may load and who may frame it, no content
 * sniffing, no referrer, no reading of it by another origin's page, and no handle on it kept by another origin's
 * page that opened it (a JSON answer opened in a tab is a page too). The headers that only change how a browser
 * treats a page's content go on pages alone: see {@link PAGE_HELMET}.
 */
const EVERY_ANSWER: HelmetOptions = {
  // Only these directives: helmet's defaults add upgrade-insecure-requests, which breaks the UI on plain HTTP.
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  // HSTS belongs to the TLS-terminating proxy: sent by a plain-HTTP homelab service it could lock browsers out later.
  strictTransportSecurity: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/**
 * helmet's options for the routes that serve pages and their files (the UI, the API docs): its page-only headers
 * too, with helmet's own values (origin-keyed agent clusters, no DNS prefetch, Internet Explorer's downloads and
 * XSS filter, Flash's cross-domain policies).
 */
export const PAGE_HELMET: HelmetOptions = {
  originAgentCluster: true,
  xDnsPrefetchControl: { allow: false },
  xDownloadOptions: true,
  xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
  xXssProtection: true,
};

/** Route config for a page: what the routes of the UI and the docs pass as `config`. */
export const PAGE_ROUTE_CONFIG = { helmet: PAGE_HELMET } as FastifyContextConfig;

const everyAnswer = helmet(EVERY_ANSWER);

/** Sets the headers of every answer on a raw response: for answers made before routing, where no hook runs. */
export function setSecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  everyAnswer(request, response, () => undefined);
}

/** The headers of every answer as header lines, for an answer written on the socket itself (unparsable HTTP). */
export function securityHeaderLines(): string {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  setSecurityHeaders(request, response);
  return Object.entries(response.getHeaders())
    .map(([name, value]) => `${name}: ${String(value)}\r\n`)
    .join('');
}

/** Security headers on every response, by @fastify/helmet; pages add theirs through {@link PAGE_ROUTE_CONFIG}. */
export default fp(
  async function security(app: FastifyInstance) {
    // The same options, typed by the plugin's own copy of helmet's declarations.
    await app.register(fastifyHelmet, EVERY_ANSWER as FastifyHelmetOptions);
  },
  { name: 'security', dependencies: ['request-context'] },
);
