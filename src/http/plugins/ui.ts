import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../domain/errors.js';
import { PACKAGE_ROOT } from '../../package-info.js';
import { PAGE_ROUTE_CONFIG, setPageHeaders } from './security.js';

/** Where `npm run build:web` puts the UI. */
export const DEFAULT_UI_ROOT = path.join(PACKAGE_ROOT, 'dist', 'web');

const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The UI's client-side routes: each is answered with index.html, and the UI's router takes over. */
export const UI_ROUTES = ['/devices', '/devices/new', '/devices/:mac'] as const;

/**
 * Vite names every file under assets/ by its content hash, so such a name
 * never changes meaning and is cached for a year. index.html is revalidated
 * on every load (no-cache), so a new build's asset names are picked up at
 * once. Other files (the favicon) are cached for an hour.
 */
export function cacheControlFor(relativePath: string): string {
  if (relativePath.startsWith(`assets${path.sep}`)) return 'public, max-age=31536000, immutable';
  if (relativePath === 'index.html') return 'no-cache';
  return 'public, max-age=3600';
}

/**
 * Serves the web UI built into `dist/web`. Only named routes are registered
 * (the client routes, `/assets/*` and the few files at the top of the
 * build), never a catch-all: `/api/*`, `/metrics` and `/esp32/*` keep their
 * own routes and unknown ones keep the JSON 404 envelope.
 */
export default fp(
  async function ui(app: FastifyInstance, options: { root?: string } = {}) {
    const root = options.root ?? DEFAULT_UI_ROOT;
    // Every file here is a page or part of one: each gets the page-only security headers too.
    const routeOptions = { schema: { hide: true }, config: PAGE_ROUTE_CONFIG };

    if (!existsSync(path.join(root, 'index.html'))) {
      app.log.warn({ root }, 'The web UI is not built, so only the API is served; run `npm run build` to build it');
      app.get('/', routeOptions, async (_request, reply) =>
        reply
          .type('text/plain; charset=utf-8')
          .header('cache-control', 'no-cache')
          .send(
            'IoT Config Manager is running, but its web UI is not built.\n' +
              'Run `npm run build` (`npm install` runs it too) and reload this page.\n' +
              'The API is at /api/configs and its documentation at /api/docs.\n',
          ),
      );
      return;
    }

    // Files are sent only by the routes below (`serve: false`). Cache headers are set only when a file is found.
    await app.register(fastifyStatic, {
      root,
      serve: false,
      cacheControl: false,
      // The build writes .br and .gz copies beside each file: sent as they are to a client that takes them.
      preCompressed: true,
      // Named for the file a pre-compressed copy stands for: index.html.br is index.html.
      setHeaders: (reply, filePath) => void reply.header('cache-control', cacheControlFor(path.relative(root, filePath).replace(/\.(br|gz)$/, ''))),
    });

    const sendIndex = async (_request: unknown, reply: FastifyReply) => reply.sendFile('index.html');
    // The UI's router shows its "Page not found" for an address it does not know. Sent as plain bytes: sendFile would
    // add validators and ranges, and keep the 404 on what should then be a 304 or a 206.
    app.uiPageNotFound = async (reply) => {
      setPageHeaders(reply.request.raw, reply.raw);
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await readFile(path.join(root, 'index.html')));
    };
    app.get('/', routeOptions, async (_request, reply) => reply.redirect('/devices'));
    for (const url of UI_ROUTES) app.get(url, routeOptions, sendIndex);

    // Vite writes assets flat into assets/. Anything else is a 404 from here, naming the asset, before
    // @fastify/static is asked: a name with a slash or `..` never reaches the disk.
    app.get<{ Params: { '*': string } }>('/assets/*', routeOptions, async (request, reply) => {
      const name = request.params['*'];
      if (!ASSET_NAME.test(name) || !existsSync(path.join(root, 'assets', name))) {
        throw new AppError('ROUTE_NOT_FOUND', `No UI asset ${name}`);
      }
      return reply.sendFile(`assets/${name}`);
    });

    // Unhashed files at the top of the build, such as the favicon.
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      // The build's .br and .gz copies are sent in place of their originals, never under names of their own.
      if (!entry.isFile() || entry.name === 'index.html' || /\.(br|gz)$/.test(entry.name)) continue;
      app.get(`/${entry.name}`, routeOptions, async (_request, reply) => reply.sendFile(entry.name));
    }
  },
  { name: 'ui' },
);
