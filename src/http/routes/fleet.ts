import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ERROR_CATALOGUE } from '../../domain/errors.js';
import { runBulkEdit, type BulkResult } from '../../storage/bulk-edit.js';
import { operationStatus, type OperationStatus } from '../metrics.js';
import { errorResponses } from '../schemas/errors.js';
import { BulkEditQuerySchema, BulkEditRequestSchema, BulkEditResponseSchema, MAX_BULK_MACS } from '../schemas/fleet.js';
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

/** Fleet-wide routes: one edit over many configs. */
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
        body: BulkEditRequestSchema,
        response: { 200: BulkEditResponseSchema, ...errorResponses(400, 413, 415, 503, 500) },
      },
    },
    async (request) => {
      const dryRun = request.query.dry_run === 'true';
      const edit = bulkEditOf(request.body, dryRun, request.actor);
      const results = await runBulkEdit(store, edit, (error, mac) => request.log.error({ err: error, mac }, `Bulk edit of ${mac} failed`));
      if (!dryRun) {
        for (const result of results) {
          const status = bulkSaveStatus(result);
          if (status !== null) app.metrics.countOperation('save', status);
        }
      }
      return { results: results.map(({ code: _code, ...result }) => result) };
    },
  );
};

export default fleetRoutes;
