import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { InvalidStoredConfig } from '../../domain/errors.js';
import type { ConfigDocument } from '../../storage/config-store.js';
import { parseMac } from '../../domain/mac.js';
import { DeviceConfigResponseSchema, MacParamsSchema } from '../schemas/configs.js';
import { errorResponses } from '../schemas/errors.js';
import { JSON_CONTENT_TYPE } from './config-body.js';
import { etagMatchesNoneMatch } from './http-conditions.js';

/** The device fetch's routes: the one devices use, and the legacy path of devices flashed with the old URL. */
export const DEVICE_FETCH_ROUTES = ['/api/configs/:mac.json', '/esp32/config/:mac.json'] as const;

/** What the device fetch's routes record and require (Fastify's route config); the config read shortcut applies the same. */
export const DEVICE_FETCH_CONFIG = { operation: 'get_raw', access: 'device' } as const;

/**
 * The device fetch's answer for `document`, given by the route and by the config read shortcut alike: sets its
 * headers on `headers` (ETag and Cache-Control, and Content-Type with a body) and gives the stored bytes, or
 * null for a bodiless 304 when the device already has them.
 */
export function deviceFetchAnswer(document: ConfigDocument, ifNoneMatch: string | string[] | undefined, headers: Record<string, string | number>): Buffer | null {
  headers.etag = document.etag;
  // A device polls for changes: `no-cache` lets it keep the config, but only after asking with its ETag.
  headers['cache-control'] = 'no-cache';
  if (etagMatchesNoneMatch(typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined, document.etag)) return null;
  headers['content-type'] = JSON_CONTENT_TYPE;
  return document.bytes;
}

/**
 * What devices fetch at boot: the stored document itself, with an ETag so a
 * polling device gets a bodiless 304 when nothing changed.
 */
const deviceConfigRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = app.configStore;

  const schema = (legacy: boolean) => ({
    tags: ['devices'],
    summary: legacy ? 'Device config, legacy path' : 'Device config, as devices fetch it',
    description: `The stored JSON document, byte for byte (less a leading UTF-8 byte-order mark, which JSON forbids), with \`Cache-Control: no-cache\` and a strong ETag; \`If-None-Match\` with that ETag gives 304.${legacy ? ' Kept for devices flashed with the old URL.' : ''}`,
    params: MacParamsSchema,
    headers: {
      type: 'object',
      properties: { 'if-none-match': { type: 'string', description: 'ETag from an earlier response: 304 if unchanged' } },
    },
    response: {
      200: { ...DeviceConfigResponseSchema, headers: { ETag: { type: 'string' }, 'Cache-Control': { type: 'string' } } },
      304: { type: 'null', description: 'Not modified' },
      ...errorResponses(400, 404, 500, 503),
    },
  });

  type DeviceRequest = { params: { mac: string }; headers: Record<string, string | string[] | undefined> };

  const answer = (request: DeviceRequest, reply: FastifyReply, document: ConfigDocument): FastifyReply => {
    const headers: Record<string, string> = {};
    const body = deviceFetchAnswer(document, request.headers['if-none-match'], headers);
    reply.headers(headers);
    return body === null ? reply.code(304).send() : reply.send(body);
  };

  const readAndAnswer = async (request: DeviceRequest, reply: FastifyReply, mac: string) => {
    let document;
    try {
      document = await store.read(mac);
    } catch (error) {
      // A device cannot repair its config: for it, an unusable stored file is a server fault.
      if (error instanceof InvalidStoredConfig) {
        throw new InvalidStoredConfig(mac, String(error.details.reason), '', null, 500);
      }
      throw error;
    }
    return answer(request, reply, document);
  };

  // Synchronous when the store can tell at once, as it nearly always can: an async handler adds promises and
  // microtask turns to every device fetch (0–9 % of its CPU in paired runs). It returns nothing then, since
  // Fastify treats a returned reply as a promise to wait on.
  const handler = (request: DeviceRequest, reply: FastifyReply): Promise<FastifyReply> | undefined => {
    const mac = parseMac(request.params.mac);
    const document = store.readNow(mac);
    if (document === undefined) return readAndAnswer(request, reply, mac);
    answer(request, reply, document);
    return undefined;
  };

  const [route, legacyRoute] = DEVICE_FETCH_ROUTES;
  app.get(route, { config: DEVICE_FETCH_CONFIG, schema: schema(false) }, handler);
  app.get(legacyRoute, { config: DEVICE_FETCH_CONFIG, schema: schema(true) }, handler);
};

export default deviceConfigRoutes;
