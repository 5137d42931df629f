import type { Socket } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE } from '../../domain/errors.js';
import { runBulkEdit, type BulkResult } from '../../storage/bulk-edit.js';
import { operationStatus, type OperationStatus } from '../metrics.js';
import { errorResponses } from '../schemas/errors.js';
import { refTo } from '../schemas/ref.js';
import {
  BulkEditQuerySchema,
  BulkEditRequestSchema,
  BulkEditResponseSchema,
  FleetChecksResponseSchema,
  MAX_BULK_MACS,
  SearchQuerySchema,
  SearchResponseSchema,
} from '../schemas/fleet.js';
import { bulkEditOf } from './bulk-body.js';

/** The outcome label of one bulk save, as a single save with the same outcome is counted. */
function bulkSaveStatus(result: BulkResult): OperationStatus | null {
  if (result.status === 'unchanged') return null;
  if (result.status === 'saved') return 'success';
  if (result.status === 'conflict') return 'conflict';
  if (result.status === 'not_found') return 'not_found';
  const code = (result.code ?? 'INTERNAL_ERROR') as keyof typeof ERROR_CATALOGUE;
  return operationStatus(ERROR_CATALOGUE[code]?.status ?? 500, code);
}

/**
 * Runs `work` with the connection's idle timeout off: a bulk save of a large
 * fleet may take longer than the connection timeout while it sends nothing.
 * The timeout is back on before the answer is written.
 */
async function withoutIdleTimeout<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const socket = request.raw.socket as Socket | undefined;
  const idleMs = socket?.timeout;
  if (typeof socket?.setTimeout !== 'function' || idleMs === undefined) return work();
  socket.setTimeout(0);
  try {
    return await work();
  } finally {
    if (!socket.destroyed) socket.setTimeout(idleMs);
  }
}

const DEFAULT_SEARCH_LIMIT = 100;
const MAX_SEARCH_LIMIT = 1000;

/** Fleet-wide routes: one edit over many configs, checks across configs, and a search of their content. */
const fleetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = app.configStore;

  app.post(
    '/api/configs/bulk',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'bulkEditConfigs',
        summary: 'Apply one change to many configs',
        description: `Applies a JSON Merge Patch, or \`set\`/\`unset\` paths, to up to ${MAX_BULK_MACS} existing configs. Each config is saved as a PUT saves it (its lock, \`if_match\`, its JSON Schema, a history version with the actor, an MQTT notification), on its own: one failing does not stop the others. The whole request is checked before the first write (400, nothing written). \`?dry_run=true\` answers each config's \`diff\` and writes nothing. See docs/fleet.md.`,
        querystring: BulkEditQuerySchema,
        body: refTo(BulkEditRequestSchema),
        response: { 200: BulkEditResponseSchema, ...errorResponses(400, 413, 415, 503, 500) },
      },
    },
    async (request) => {
      const dryRun = request.query.dry_run === 'true';
      const edit = bulkEditOf(request.body, dryRun, request.actor);
      const results = await withoutIdleTimeout(request, () => runBulkEdit(store, edit, (error, mac) => request.log.error({ err: error, mac }, `Bulk edit of ${mac} failed`)));
      if (!dryRun) {
        for (const result of results) {
          const status = bulkSaveStatus(result);
          if (status !== null) app.metrics.countOperation('save', status);
        }
      }
      return { results: results.map(({ code: _code, ...result }) => result) };
    },
  );

  app.get(
    '/api/configs/checks',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'checkFleet',
        summary: 'Values that should be unique but are not',
        description: 'For each path in UNIQUE_KEYS (default `deviceEntityId,wifi.hostname,wifi.staticIp`), the values more than one device holds; strings compare without regard to letter case. The list and each config carry their own share as `duplicates`; `unique_keys` names the paths checked.',
        response: { 200: FleetChecksResponseSchema, ...errorResponses(503, 500) },
      },
    },
    async () => ({ unique_keys: app.fleetFacts.uniqueKeyPaths, duplicates: (await app.fleetFacts.current()).duplicates }),
  );

  app.get(
    '/api/configs/search',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'searchConfigs',
        summary: 'Find text in every config',
        description: 'The first leaf of each config whose key path or value contains `q`, without regard to letter case, sorted by MAC. Values of secret keys (SECRET_KEYS) are never searched; a match on their path shows the value masked.',
        querystring: SearchQuerySchema,
        response: { 200: SearchResponseSchema, ...errorResponses(400, 503, 500) },
      },
    },
    async (request) => {
      const limit = Math.min(Math.max(Number(request.query.limit ?? DEFAULT_SEARCH_LIMIT), 1), MAX_SEARCH_LIMIT);
      return app.fleetFacts.search(request.query.q, limit);
    },
  );
};

export default fleetRoutes;
