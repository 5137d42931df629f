import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { BadRequest, ValidationFailed } from '../../domain/errors.js';
import { VERSION } from '../../package-info.js';
import type { Settings } from '../../settings.js';
import { MAX_EXPORT_MACS } from '../../transfer/archive-layout.js';
import { createExport, exportFileName, type ExportSection } from '../../transfer/export-archive.js';
import { runImport } from '../../transfer/import-service.js';
import { errorResponses } from '../schemas/errors.js';
import { ExportQuerySchema, ImportQuerySchema } from '../schemas/transfer.js';
import { ARCHIVE_CONTENT_TYPES, readArchiveBody } from './archive-body.js';
import { parseMacList, refuseProblems } from './mac-list.js';

const BINARY = { type: 'string', format: 'binary' };

/** The canonical MACs of `?macs=`, or VALIDATION_FAILED naming each bad or repeated one. */
function exportSelection(query: string): string[] {
  const inputs = query.split(',');
  if (inputs.length > MAX_EXPORT_MACS) {
    throw new ValidationFailed(`macs names ${inputs.length} configs; an export takes at most ${MAX_EXPORT_MACS} (export everything instead)`, [{ field: 'macs', message: `at most ${MAX_EXPORT_MACS}` }]);
  }
  const { macs, errors } = parseMacList(inputs, 'macs', () => undefined);
  refuseProblems(errors, 'Nothing was exported');
  return macs;
}

/** Export of every config as one archive, and import of one with a dry run (see docs/backup.md). */
const transferRoutes: FastifyPluginAsyncTypebox<{ settings: Settings }> = async (app, { settings }) => {
  const store = app.configStore;

  app.get(
    '/api/export',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['backup'],
        operationId: 'exportConfigs',
        summary: 'Export every config, or those selected, as a .tar.gz',
        description:
          'Streams `configs/<mac>.json` with each file\'s exact bytes (files that are not valid configs too, marked `"valid": false`) and `manifest.json` last. `?macs=` exports only the configs named; `?include=history` adds the version files. A config changing meanwhile is exported old or new, never torn.',
        querystring: ExportQuerySchema,
        response: {
          200: Type.Unsafe<Readable>({
            description: 'A gzipped tar',
            headers: { 'x-missing-configs': { description: 'With `?macs=`: the selected MACs that have no config, comma-separated (they are listed in the manifest\'s `skipped` too)', schema: { type: 'string' } } },
            content: { 'application/gzip': { schema: BINARY } },
          }),
          ...errorResponses(400, 503, 500),
        },
      },
    },
    async (request, reply) => {
      const include = [...new Set(request.query.include?.split(',') ?? [])] as ExportSection[];
      const macs = request.query.macs === undefined ? undefined : exportSelection(request.query.macs);
      const now = new Date();
      const { stream, missing } = await createExport({ dir: store.dir, maxFileBytes: store.maxFileBytes, serviceVersion: VERSION, include, macs, now });
      if (missing.length > 0) reply.header('x-missing-configs', missing.join(','));
      return reply.type('application/gzip').header('content-disposition', `attachment; filename="${exportFileName(now)}"`).send(stream);
    },
  );

  // In a context of its own, so that the archive types are parsed only here, with their own size limit.
  await app.register(async (parent) => {
    const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser(ARCHIVE_CONTENT_TYPES, (request: FastifyRequest, payload, done) => {
      readArchiveBody(payload, settings.maxImportBytes).then((body) => done(null, body), (error: Error) => done(error));
    });

    scope.post(
      '/api/import',
      {
        config: { access: 'admin' },
        bodyLimit: settings.maxImportBytes,
        schema: {
          tags: ['backup'],
          operationId: 'importConfigs',
          summary: 'Import configs from a .tar.gz, .tar or .zip',
          description:
            'The body is an export or any archive of `<mac>.json` files at any depth (the format is told by its first bytes). `dry_run=true` answers the plan and writes nothing. A hostile archive is refused whole (422 ARCHIVE_REFUSED, 413 over MAX_IMPORT_BYTES). Each write goes through the normal save path and is recorded as an `import` version.',
          querystring: ImportQuerySchema,
          // An empty schema per type: validation sees the parsed Buffer, which `type: string` would refuse.
          body: Type.Unsafe<Buffer>({ description: 'The archive', content: Object.fromEntries(ARCHIVE_CONTENT_TYPES.map((type) => [type, { schema: { description: 'The archive\'s bytes (binary)' } }])) }),
          response: { 200: { $ref: 'ImportResponse' }, ...errorResponses(400, 409, 413, 415, 422, 503, 507, 500) },
        },
      },
      async (request) => {
        const { dry_run: dryRun, mode = 'merge', confirm, if_unchanged_since: since, if_match: ifMatch } = request.query;
        const ifUnchangedSince = since === undefined ? undefined : Date.parse(since);
        if (Number.isNaN(ifUnchangedSince)) throw new BadRequest('if_unchanged_since must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z');
        return runImport(store, request.body, {
          dryRun: dryRun === 'true' || dryRun === '1',
          mode,
          confirm: confirm === undefined ? undefined : Number(confirm),
          ifUnchangedSince,
          ifMatchManifest: ifMatch === 'manifest',
          maxImportBytes: settings.maxImportBytes,
          actor: request.actor ?? null,
          diff: request.query.diff,
        });
      },
    );
  });
};

export default transferRoutes;
