import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidStoredConfig } from '../../domain/errors.js';
import { parseMac } from '../../domain/mac.js';
import { DeviceConfigResponseSchema, MacParamsSchema } from '../schemas/configs.js';
import { errorResponses } from '../schemas/errors.js';
import { JSON_CONTENT_TYPE } from './config-body.js';
import { etagMatchesNoneMatch } from './http-conditions.js';

/**
 * What devices fetch at boot: the stored document itself, with an ETag so a
 * polling device gets a bodiless 304 when nothing changed.
 */
const deviceConfigRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = app.configStore;

  const schema = (legacy: boolean) => ({
    tags: ['devices'],
    operationId: legacy ? 'getLegacyDeviceConfig' : 'getDeviceConfig',
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

  const handler = async (request: FastifyRequest<{ Params: { mac_address: string } }>, reply: FastifyReply) => {
    const mac = parseMac(request.params.mac_address);
    let document;
    try {
      document = await store.read(mac);
    } catch (error) {
      // A device cannot repair its config: for it, an unusable stored file is a server fault.
      if (error instanceof InvalidStoredConfig) throw new InvalidStoredConfig(mac, String(error.details.reason), '', null, 500);
      throw error;
    }
    // A device polls for changes: `no-cache` lets it keep the config, but only after asking with its ETag.
    reply.header('etag', document.etag).header('cache-control', 'no-cache');
    const ifNoneMatch = request.headers['if-none-match'];
    if (etagMatchesNoneMatch(ifNoneMatch, document.etag)) return reply.code(304).send();
    return reply.type(JSON_CONTENT_TYPE).send(document.bytes);
  };

  // The route devices use, and the legacy path of devices flashed with the old URL.
  const config = { operation: 'get_raw', access: 'device' } as const;
  // Never compressed: device firmware reads the stored bytes with their Content-Length, as the Python backend sent them.
  app.get('/api/configs/:mac_address.json', { config, compress: false, schema: schema(false) }, handler);
  app.get('/esp32/config/:mac_address.json', { config, compress: false, schema: schema(true) }, handler);
};

export default deviceConfigRoutes;
