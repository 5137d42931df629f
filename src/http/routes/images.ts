import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { IncomingHttpHeaders } from 'node:http';
import { ValidationFailed } from '../../domain/errors.js';
import { convertToLvgl } from '../../images/lvgl-convert.js';
import { FETCHABLE_PROTOCOLS, fetchImage } from '../../images/image-fetch.js';
import { IMAGE_PROXY_MAX_REDIRECTS, type Settings } from '../../settings.js';
import { createImageProxyMetrics } from '../image-proxy-metrics.js';
import { errorResponses } from '../schemas/errors.js';
import { LvglImageQuerySchema, LvglImageResponseSchema } from '../schemas/images.js';

/** Headers that describe this hop's connection, not the request: sending them on would break the fetch. */
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'proxy-authorization', 'proxy-connection']);

function parseImageUrl(raw: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || !FETCHABLE_PROTOCOLS.includes(url.protocol) || url.hostname === '') {
    throw new ValidationFailed('Query parameter url must be an absolute http or https URL', [{ field: 'url', message: 'must be an absolute http or https URL' }]);
  }
  return url;
}

/** The headers named in `names`, with their values in this request. */
function forwardedHeaders(names: string | undefined, incoming: IncomingHttpHeaders, authorizationIsOurs: boolean, ourTokens: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of (names ?? '').split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    const refuse = (message: string) => new ValidationFailed(`Header ${raw.trim()} ${message}`, [{ field: 'headers', message: `${raw.trim()} ${message}` }]);
    if (NOT_FORWARDED.has(name)) throw refuse('describes this connection and cannot be forwarded');
    // With DEVICE_TOKEN set, Authorization carries this service's token: it must not leave for another host.
    if (name === 'authorization' && authorizationIsOurs) throw refuse('holds the device token (DEVICE_TOKEN is set) and is not forwarded');
    const value = incoming[name];
    if (value === undefined) throw refuse('is not present in the request');
    const text = Array.isArray(value) ? value.join(', ') : value;
    // Whatever its name, a header holding one of this service's tokens must not leave for another host.
    if (ourTokens.some((token) => text.includes(token))) throw refuse('holds a token of this service and is not forwarded');
    headers[name] = text;
  }
  return headers;
}

/**
 * The LVGL image proxy: fetches an image, shrinks it to the device's screen and answers it in LVGL's binary
 * format (docs/image-proxy.md). Not registered at all with IMAGE_PROXY_ENABLED=false.
 */
const imageRoutes: FastifyPluginAsyncTypebox<{ settings: Settings }> = async (app, { settings }) => {
  const { imageProxy } = settings;
  if (!imageProxy.enabled) return;
  if (imageProxy.allowedHosts === null) {
    app.log.warn('IMAGE_PROXY_ALLOWED_HOSTS is not set: the image proxy fetches from any host a caller names, the local network included');
  }
  const fetchOptions = {
    allowedHosts: imageProxy.allowedHosts,
    maxBytes: imageProxy.maxImageBytes,
    timeoutMs: imageProxy.fetchTimeoutMs,
    maxRedirects: IMAGE_PROXY_MAX_REDIRECTS,
  };
  const authorizationIsOurs = settings.deviceTokens.length > 0;
  const ourTokens = [...settings.deviceTokens, ...settings.adminTokens.map((admin) => admin.token)];
  const metrics = createImageProxyMetrics(app.metrics.registry);

  app.get(
    '/api/images/lvgl',
    {
      config: { operation: 'image_proxy', access: 'device' },
      schema: {
        operationId: 'getLvglImage',
        tags: ['devices'],
        summary: 'Fetch an image as an LVGL binary image',
        description:
          'Fetches `url` (following at most 3 redirects, each checked against IMAGE_PROXY_ALLOWED_HOSTS), shrinks it to fit `width` × `height` keeping its aspect ratio, and answers it in LVGL v9\'s binary format, colour format ARGB8888, with `Cache-Control: no-store`.',
        querystring: LvglImageQuerySchema,
        produces: ['application/octet-stream'],
        response: {
          200: LvglImageResponseSchema,
          ...errorResponses(400, 403, 500, 502),
        },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const started = performance.now();
      const seconds = (since: number) => (performance.now() - since) / 1000;
      let lvgl: Buffer;
      try {
        const url = parseImageUrl(query.url);
        const headers = forwardedHeaders(query.headers, request.headers, authorizationIsOurs, ourTokens);
        const fetchStarted = performance.now();
        const image = await fetchImage(url, headers, fetchOptions);
        metrics.fetched(seconds(fetchStarted), image.length);
        const size = (raw: string | undefined) => (raw === undefined ? undefined : Number(raw));
        lvgl = await convertToLvgl(image, { width: size(query.width), height: size(query.height) });
      } catch (error) {
        metrics.finished(seconds(started), error);
        throw error;
      }
      metrics.finished(seconds(started));
      return reply.header('cache-control', 'no-store').type('application/octet-stream').send(lvgl);
    },
  );
};

export default imageRoutes;
