import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route serves a page or a file of one (the UI, the API docs): helmet's page-only headers too. */
    page?: boolean;
  }
}

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
const PAGE_HELMET: HelmetOptions = {
  ...EVERY_ANSWER,
  originAgentCluster: true,
  xDnsPrefetchControl: { allow: false },
  xDownloadOptions: true,
  xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
  xXssProtection: true,
};

/** Route config for a page: what the routes of the UI and the docs pass as `config`. */
export const PAGE_ROUTE_CONFIG: FastifyContextConfig = { page: true };

// Built once: building helmet's middleware is most of its cost (see docs/adr/0008-maintained-plugins.md).
const everyAnswer = helmet(EVERY_ANSWER);
const page = helmet(PAGE_HELMET);
const ignoreNext = () => undefined;

/** Sets the headers of every answer on a raw response: for answers made where no route's hook runs. */
export function setSecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  everyAnswer(request, response, ignoreNext);
}

/** Sets a page's headers on a raw response: the UI's "Page not found", answered by the not-found handler. */
export function setPageHeaders(request: IncomingMessage, response: ServerResponse): void {
  page(request, response, ignoreNext);
}

let headerLines: string | undefined;

/** The headers of every answer as header lines, for an answer written on the socket itself (unparsable HTTP). */
export function securityHeaderLines(): string {
  if (headerLines === undefined) {
    // A response of its own, never sent: helmet sets headers on a response, and this answer has none.
    const request = new IncomingMessage(new Socket());
    const response = new ServerResponse(request);
    setSecurityHeaders(request, response);
    headerLines = Object.entries(response.getHeaders())
      .map(([name, value]) => `${name}: ${String(value)}\r\n`)
      .join('');
  }
  return headerLines;
}

/** helmet's security headers on every response; pages get theirs through {@link PAGE_ROUTE_CONFIG}. */
export default fp(
  async function security(app: FastifyInstance) {
    app.addHook('onRequest', (request, reply, done) => {
      // routeOptions is a getter that builds a new object: one look, and only at the config.
      (request.routeOptions.config.page === true ? page : everyAnswer)(request.raw, reply.raw, ignoreNext);
      done();
    });
  },
  { name: 'security', dependencies: ['request-context'] },
);
