import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

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
 * The headers that protect an answer of any kind, JSON included: what it may load and who may frame it, no
 * content sniffing, no referrer, no reading of it by another origin's page, and no handle on it kept by another
 * origin's page that opened it in a window (a JSON answer opened in a tab is a page too). helmet's others
 * (origin-keyed agent clusters, DNS prefetch, Internet Explorer's downloads, the XSS filter that browsers have
 * since removed, Flash's cross-domain policies) only change how a browser treats a page's content: they go on the
 * UI's and the docs' routes. node:http checks and writes each header of every answer: 0.6–1.4 µs apiece, measured,
 * against a device fetch of about 32 µs.
 */
const EVERY_ANSWER = ['content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'referrer-policy', 'x-content-type-options', 'x-frame-options'];

/**
 * helmet's headers, as it sets them. helmet's middleware is run once, here, and what it sets is kept: these
 * headers never change, and @fastify/helmet runs the middleware anew on every request (about 9 µs each,
 * measured), then its steps set them one by one.
 */
function captureHelmetHeaders(): Record<string, string> {
  const setSecurityHeaders = helmet({
    // Only these directives: helmet's defaults add upgrade-insecure-requests, which breaks the UI on plain HTTP.
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS belongs to the TLS-terminating proxy: sent by a plain-HTTP homelab service it could lock browsers out later.
    strictTransportSecurity: false,
  });
  const headers: Record<string, string> = {};
  const recorder = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value), removeHeader: () => undefined };
  setSecurityHeaders({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  // Also guards against a helmet release that drops one of them: an answer would silently go without it.
  const missing = EVERY_ANSWER.filter((name) => headers[name] === undefined);
  if (missing.length > 0) throw new Error(`helmet did not set ${missing.join(', ')} synchronously: the security headers cannot be captured`);
  return headers;
}

const HELMET_HEADERS = Object.entries(captureHelmetHeaders());

/** The security headers of every response; added to each reply as one object, also by the error paths met before routing, where no hook runs. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(HELMET_HEADERS.filter(([name]) => EVERY_ANSWER.includes(name))));

/**
 * The rest of helmet's headers, which only pages use: on the web UI's routes and the API docs' (see
 * {@link addPageHeaders}). A header a later helmet adds lands here, on pages, until it is judged.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(HELMET_HEADERS.filter(([name]) => !EVERY_ANSWER.includes(name))));

/** An onRequest hook for the routes that serve pages and their files: adds {@link PAGE_HEADERS}. */
export function addPageHeaders(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.headers(PAGE_HEADERS);
  done();
}

/** Security headers on every response. */
export default fp(
  async function security(app: FastifyInstance) {
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(SECURITY_HEADERS);
      done();
    });
  },
  { name: 'security' },
);
