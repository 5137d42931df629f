import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ConfigListResponseSchema, ConfigResponseSchema, ConfigSummarySchema, RenameConfigRequestSchema, SaveConfigRequestSchema, SkippedFileSchema } from '../schemas/configs.js';
import { UnknownDeviceSchema, UnknownDevicesResponseSchema } from '../schemas/device-sync.js';
import { ErrorResponseSchema, FieldErrorSchema } from '../schemas/errors.js';
import { HealthResponseSchema, LivenessResponseSchema } from '../schemas/health.js';
import {
  AuditEntrySchema,
  AuditResponseSchema,
  DeletedConfigSchema,
  DeletedConfigsResponseSchema,
  HistoryResponseSchema,
  HistoryVersionContentSchema,
  HistoryVersionSchema,
} from '../schemas/history.js';
import {
  BulkEditRequestSchema,
  BulkEditResponseSchema,
  BulkResultSchema,
  DeviceDuplicateSchema,
  DuplicateSchema,
  FleetChecksResponseSchema,
  JsonChangeSchema,
  SearchMatchSchema,
  SearchResponseSchema,
  SummaryProblemSchema,
} from '../schemas/fleet.js';
import { JsonSchemaBodySchema } from '../schemas/schemas.js';
import { ImportResponseSchema } from '../schemas/transfer.js';
import { PAGE_ROUTE_CONFIG } from './security.js';

/** Shared schemas (one source for validation, serialisation and docs) and the OpenAPI document with Swagger UI at /api/docs. */
export default fp(
  async function openapi(app: FastifyInstance, options: { version: string }) {
    for (const schema of [
      FieldErrorSchema,
      ErrorResponseSchema,
      DuplicateSchema,
      DeviceDuplicateSchema,
      SummaryProblemSchema,
      ConfigSummarySchema,
      ConfigResponseSchema,
      SkippedFileSchema,
      ConfigListResponseSchema,
      SaveConfigRequestSchema,
      RenameConfigRequestSchema,
      HealthResponseSchema,
      LivenessResponseSchema,
      HistoryVersionSchema,
      HistoryResponseSchema,
      HistoryVersionContentSchema,
      DeletedConfigSchema,
      DeletedConfigsResponseSchema,
      AuditEntrySchema,
      AuditResponseSchema,
      UnknownDeviceSchema,
      UnknownDevicesResponseSchema,
      ImportResponseSchema,
      JsonChangeSchema,
      BulkResultSchema,
      BulkEditRequestSchema,
      BulkEditResponseSchema,
      FleetChecksResponseSchema,
      SearchMatchSchema,
      SearchResponseSchema,
      JsonSchemaBodySchema,
    ]) {
      app.addSchema(schema);
    }

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'IoT Config Manager',
          version: options.version,
          description:
            'Manages the JSON configuration of a fleet of ESP32 devices, one document per device, named by its MAC address. Every error uses one envelope: `{error, code, details, correlationId}`.',
        },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'Only when ADMIN_TOKEN / ADMIN_TOKENS_FILE (admin routes) or DEVICE_TOKEN (device routes) is set; otherwise the routes are open.',
            },
          },
        },
        tags: [
          { name: 'configs', description: 'Admin API' },
          { name: 'history', description: 'Versions of configs, restore and the audit log (admin)' },
          { name: 'backup', description: 'Export and import of every config (admin)' },
          { name: 'schemas', description: 'JSON Schemas that configs are checked against (admin)' },
          { name: 'devices', description: 'What devices fetch' },
          { name: 'operations', description: 'Health and metrics' },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
    });
    // In a context of their own, so that the docs' page and files, and only they, get the page-only security headers.
    await app.register(async (docs) => {
      docs.addHook('onRoute', (route) => {
        route.config = { ...route.config, ...PAGE_ROUTE_CONFIG };
      });
      await docs.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { url: '/api/docs/openapi.json' } as never });
    });

    app.get('/api/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
