import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseMac } from '../../domain/mac.js';
import { errorResponses } from '../schemas/errors.js';
import { refTo } from '../schemas/ref.js';
import {
  ConditionalHeadersSchema,
  MacParamsSchema,
  RenameConfigRequestSchema,
  SaveConfigRequestSchema,
} from '../schemas/configs.js';
import { ValidateQuerySchema, ValidationSchema } from '../schemas/schemas.js';
import { configResponseBody, JSON_CONTENT_TYPE, listResponseBodies, withValidation, wrappedConfig } from './config-body.js';
import { configValidation, storedBytes } from './config-validation.js';
import { writeConditions } from './http-conditions.js';
import { factsListExtras, factsMembers, withFacts } from './facts-body.js';
import { syncListExtras, withFetch } from './sync-body.js';
import { validationListExtras } from './validation-body.js';

const etagHeader = { ETag: { type: 'string', description: 'Strong ETag of the stored bytes (less a leading UTF-8 byte-order mark)' } };

/** The admin REST API: list, read, save, delete and rename configs. */
const configRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = app.configStore;

  const validationMembers = validationListExtras();
  const factsMembersOfList = factsListExtras(app.fleetFacts);
  const serialisedList = listResponseBodies([syncListExtras(app.deviceSync), validationMembers, factsMembersOfList]);

  app.get(
    '/api/configs',
    {
      config: { operation: 'list', access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'getConfigs',
        summary: 'List every config',
        description:
          'Summaries of every valid config, sorted by MAC, each with the sync state of its device in `fetch` and how it fares against its JSON Schema in `validation`. Files that are not valid configs are listed in `skipped` with the reason. The list is complete or the request fails with 503.',
        response: { 200: { $ref: 'ConfigListResponse' }, ...errorResponses(503, 500) },
      },
    },
    async (_request, reply) => {
      const listing = await store.list();
      validationMembers.use(await app.fleetValidation.view());
      factsMembersOfList.use(await app.fleetFacts.current());
      return reply.type(JSON_CONTENT_TYPE).send(serialisedList(listing));
    },
  );

  app.get(
    '/api/configs/:mac_address',
    {
      config: { operation: 'get', access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'getConfigsByMacAddress',
        summary: 'Read a config with its summary',
        description: 'The config, its summary fields and, in `fetch`, whether its device has fetched the current version.',
        params: MacParamsSchema,
        response: {
          200: { $ref: 'ConfigResponse', headers: etagHeader },
          ...errorResponses(400, 404, 422, 503, 500),
        },
      },
    },
    async (request, reply) => {
      const document = await store.read(parseMac(request.params.mac_address));
      const validation = await configValidation(store, document.bytes);
      const facts = factsMembers(app.fleetFacts, await app.fleetFacts.current(), document.mac, document.bytes);
      const body = withFacts(withValidation(withFetch(configResponseBody(document), app.deviceSync.view(document.mac, document.etag)), validation), facts);
      return reply.header('etag', document.etag).type(JSON_CONTENT_TYPE).send(body);
    },
  );

  app.put(
    '/api/configs/:mac_address',
    {
      config: { operation: 'save', access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'putConfigsByMacAddress',
        summary: 'Create or replace a config',
        description:
          'Stores `content` pretty-printed (2-space indent, keys in the order sent, numbers verbatim) with a trailing newline, atomically and durably: a 200 means the file is on disk. Always 200, never 201, for compatibility.',
        params: MacParamsSchema,
        headers: ConditionalHeadersSchema,
        querystring: ValidateQuerySchema,
        body: refTo(SaveConfigRequestSchema),
        response: {
          200: { $ref: 'ConfigResponse', headers: etagHeader },
          ...errorResponses(400, 409, 412, 413, 415, 503, 507, 500),
        },
      },
    },
    async (request, reply) => {
      const mac = parseMac(request.params.mac_address);
      const bytes = storedBytes(mac, request.rawJsonBody ?? JSON.stringify(request.body), store.maxFileBytes);
      const validate = request.query.validate !== 'false';
      const { document } = await store.save(mac, bytes, {
        ...writeConditions(request.headers),
        allowOverwrite: request.body.allow_overwrite ?? true,
      }, { actor: request.actor }, { validate });
      if (!validate) request.log.warn({ mac, actor: request.actor }, `Config ${mac} saved with validate=false`);
      return reply.header('etag', document.etag).type(JSON_CONTENT_TYPE).send(wrappedConfig(document));
    },
  );

  app.post(
    '/api/configs/:mac_address/validate',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'validateConfig',
        summary: 'Validate a config without saving it',
        description: 'The body is PUT\'s. Answers how the content fares against the schema that would apply to it; nothing is written.',
        params: MacParamsSchema,
        body: refTo(SaveConfigRequestSchema),
        response: { 200: ValidationSchema, ...errorResponses(400, 413, 415, 503, 500) },
      },
    },
    async (request) => {
      const mac = parseMac(request.params.mac_address);
      return configValidation(store, storedBytes(mac, request.rawJsonBody ?? JSON.stringify(request.body), store.maxFileBytes));
    },
  );

  app.delete(
    '/api/configs/:mac_address',
    {
      config: { operation: 'delete', access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'deleteConfigsByMacAddress',
        summary: 'Delete a config',
        params: MacParamsSchema,
        headers: ConditionalHeadersSchema,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(400, 404, 409, 412, 503, 500) },
      },
    },
    async (request, reply) => {
      await store.remove(parseMac(request.params.mac_address), writeConditions(request.headers), { actor: request.actor });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/configs/:mac_address/rename',
    {
      config: { operation: 'rename', access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'renameConfig',
        summary: 'Move a config to another MAC address',
        description: 'One atomic rename: there is never both files nor neither. `If-Match` applies to the source config.',
        params: MacParamsSchema,
        headers: ConditionalHeadersSchema,
        body: refTo(RenameConfigRequestSchema),
        response: {
          200: { $ref: 'ConfigResponse', headers: etagHeader },
          ...errorResponses(400, 404, 409, 412, 413, 415, 422, 503, 500),
        },
      },
    },
    async (request, reply) => {
      const from = parseMac(request.params.mac_address);
      const to = parseMac(request.body.new_mac_address, 'new MAC address');
      const document = await store.rename(from, to, writeConditions(request.headers), { actor: request.actor });
      return reply.header('etag', document.etag).type(JSON_CONTENT_TYPE).send(wrappedConfig(document));
    },
  );
};

export default configRoutes;
