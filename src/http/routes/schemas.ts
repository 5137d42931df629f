import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SchemaNotFound } from '../../domain/errors.js';
import { assertSchemaName, compileSchema } from '../../domain/json-schema.js';
import { formatJsonText } from '../../domain/json-text.js';
import { keptText } from '../../storage/kept-bytes.js';
import type { StoredSchema } from '../../storage/schema-files.js';
import { errorResponses } from '../schemas/errors.js';
import { refTo } from '../schemas/ref.js';
import {
  DryRunResponseSchema,
  JsonSchemaBodySchema,
  SchemaIfMatchHeadersSchema,
  SchemaListResponseSchema,
  SchemaParamsSchema,
  SchemaPutQuerySchema,
  SchemaResponseSchema,
} from '../schemas/schemas.js';
import { parseEtagList } from './http-conditions.js';

const etagHeader = { ETag: { type: 'string', description: 'Strong ETag of the stored schema' } };

const textOf = (value: unknown) => (typeof value === 'string' ? value : null);

/** A stored schema as GET and PUT answer it. */
const schemaBody = (schema: StoredSchema) => ({ name: schema.name, updated_at: new Date(schema.updatedAt).toISOString(), schema: schema.content });

/** JSON Schemas that configs are checked against (see docs/schemas.md). */
const schemaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const schemas = app.configStore.validation.schemas;
  const fleet = app.fleetValidation;

  const existing = async (name: string): Promise<StoredSchema> => {
    assertSchemaName(name);
    await schemas.fresh();
    const schema = schemas.get(name);
    if (schema === undefined) throw new SchemaNotFound(name);
    return schema;
  };

  app.get(
    '/api/schemas',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['schemas'],
        operationId: 'listSchemas',
        summary: 'List the JSON Schemas',
        description: 'Every usable schema, sorted by name, with the number of configs it applies to and of those that fail it.',
        response: { 200: SchemaListResponseSchema, ...errorResponses(503, 500) },
      },
    },
    async () => {
      const { uses } = await fleet.current();
      return schemas.all().map((schema) => ({
        name: schema.name,
        title: textOf(schema.content.title),
        description: textOf(schema.content.description),
        updated_at: new Date(schema.updatedAt).toISOString(),
        ...(uses.get(schema.name) ?? { config_count: 0, failing_count: 0 }),
      }));
    },
  );

  app.get(
    '/api/schemas/:name',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['schemas'],
        operationId: 'getSchema',
        summary: 'Read a JSON Schema',
        params: SchemaParamsSchema,
        response: { 200: { ...SchemaResponseSchema, headers: etagHeader }, ...errorResponses(400, 404, 503, 500) },
      },
    },
    async (request, reply) => {
      const schema = await existing(request.params.name);
      return reply.header('etag', schema.etag).send(schemaBody(schema));
    },
  );

  app.put(
    '/api/schemas/:name',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['schemas'],
        operationId: 'saveSchema',
        summary: 'Create or replace a JSON Schema, or try it with dry_run',
        description:
          'The body is the schema itself: 2020-12, or draft-07 when its `$schema` says so. It must compile (400 INVALID_SCHEMA with Ajv\'s message). `?dry_run=true` answers which stored configs would fail it and saves nothing. Saving a schema never changes a config; configs already stored that fail it are flagged.',
        params: SchemaParamsSchema,
        querystring: SchemaPutQuerySchema,
        headers: SchemaIfMatchHeadersSchema,
        body: refTo(JsonSchemaBodySchema),
        response: {
          200: { anyOf: [SchemaResponseSchema, DryRunResponseSchema], headers: etagHeader },
          ...errorResponses(400, 412, 413, 415, 503, 507, 500),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      assertSchemaName(name);
      const compiled = compileSchema(name, request.body);
      if (request.query.dry_run === 'true') return { name, dry_run: true as const, ...(await fleet.dryRun(name, compiled)) };
      const formatted = formatJsonText(request.rawJsonBody ?? JSON.stringify(request.body));
      const ifMatch = request.headers['if-match'];
      const { schema } = await app.configStore.validation.schemas.save(name, keptText(`${formatted}\n`), compiled, request.body, ifMatch === undefined ? undefined : parseEtagList(ifMatch));
      request.log.info({ schema: name, actor: request.actor }, `Schema ${name} saved`);
      return reply.header('etag', schema.etag).send(schemaBody(schema));
    },
  );

  app.delete(
    '/api/schemas/:name',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['schemas'],
        operationId: 'deleteSchema',
        summary: 'Delete a JSON Schema',
        description: 'The configs it applied to fall back to `default`, or to no schema.',
        params: SchemaParamsSchema,
        headers: SchemaIfMatchHeadersSchema,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(400, 404, 412, 503, 500) },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      assertSchemaName(name);
      const ifMatch = request.headers['if-match'];
      await schemas.remove(name, ifMatch === undefined ? undefined : parseEtagList(ifMatch));
      request.log.info({ schema: name, actor: request.actor }, `Schema ${name} deleted`);
      return reply.code(204).send(null);
    },
  );
};

export default schemaRoutes;
