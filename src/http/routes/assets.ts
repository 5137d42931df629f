import multipart from '@fastify/multipart';
import send from '@fastify/send';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, AssetNotFound, ValidationFailed } from '../../domain/errors.js';
import { assetNameProblem } from '../../domain/upload-signature.js';
import { assetUploadedMessage } from '../../notifications/asset-messages.js';
import type { Settings } from '../../settings.js';
import { AssetFiles } from '../../storage/asset-files.js';
import { FsCalls } from '../../storage/fs-calls.js';
import { UsedSignatures } from '../../storage/used-signatures.js';
import { registerAssetMetrics } from '../metrics.js';
import { AssetListResponseSchema, AssetParamsSchema, AssetUploadFormSchema, AssetUploadResponseSchema } from '../schemas/assets.js';
import { errorResponses } from '../schemas/errors.js';
import { assetUploadHandler } from './asset-upload.js';

const BINARY = { type: 'string', format: 'binary' };

/** Firmware and OTA files: signed uploads, the list, and downloads with ETag and Range (see docs/assets.md). */
const assetRoutes: FastifyPluginAsyncTypebox<{ settings: Settings }> = async (app, { settings }) => {
  const { assets } = settings;
  const io = new FsCalls();
  const files = new AssetFiles({
    dir: assets.dir,
    dirFromEnv: assets.dirFromEnv,
    maxBytes: assets.maxBytes,
    io,
    onLeftoverRemoved: (file) => app.log.info({ file }, 'Removed a temp file left by an interrupted asset upload'),
  });
  const metrics = registerAssetMetrics(app.metrics.registry);

  app.get(
    '/api/assets',
    {
      config: { access: 'device' },
      schema: {
        operationId: 'listAssets',
        tags: ['assets'],
        summary: 'List the assets',
        description: 'Every stored asset with its size, time of upload and SHA-256 (hashed once per size and modification time).',
        response: { 200: AssetListResponseSchema, ...errorResponses(503, 500) },
      },
    },
    async () => ({ assets: await files.list() }),
  );

  const serveSchema = (legacy: boolean) => ({
    operationId: legacy ? 'getAssetShortPath' : 'getAsset',
    tags: ['assets'],
    summary: legacy ? 'Download an asset (short path)' : 'Download an asset',
    description:
      'The file as `application/octet-stream` with `Cache-Control: no-cache`, an `ETag` (`If-None-Match` gives 304) and `Range` support (206) for resumable OTA downloads. HEAD gives the headers alone.',
    params: AssetParamsSchema,
    response: {
      200: { description: 'The file', content: { 'application/octet-stream': { schema: BINARY } } },
      206: { description: 'The requested range of the file', content: { 'application/octet-stream': { schema: BINARY } } },
      304: { type: 'null', description: 'Not modified' },
      ...errorResponses(400, 404, 416, 500),
    },
  });

  const serve = async (request: FastifyRequest<{ Params: { filename: string } }>, reply: FastifyReply) => {
    const { filename } = request.params;
    const problem = assetNameProblem(filename);
    if (problem !== null) throw new ValidationFailed(`Invalid filename: ${problem}`, [{ field: 'filename', message: problem }]);
    // @fastify/send decodes the path it is given, so the name goes in encoded.
    const result = await send(request.raw, `/${encodeURIComponent(filename)}`, {
      root: assets.dir,
      dotfiles: 'deny',
      index: false,
      cacheControl: false,
      contentType: false,
    });
    if (result.type === 'directory' || (result.type === 'error' && result.statusCode === 404)) throw new AssetNotFound(filename);
    if (result.type === 'error' && result.statusCode === 416) {
      reply.header('content-range', result.headers['Content-Range'] ?? result.headers['content-range']);
      throw new AppError('RANGE_NOT_SATISFIABLE', `The range ${request.headers.range} is outside asset ${filename}`);
    }
    if (result.type === 'error') throw result.metadata.error;
    return reply
      .code(result.statusCode)
      .headers(result.headers)
      .header('content-type', 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .send(result.stream);
  };
  const serveConfig = { operation: 'asset_serve', access: 'device' } as const;
  app.get('/api/assets/:filename', { config: serveConfig, schema: serveSchema(false) }, serve);
  app.get('/assets/:filename', { config: serveConfig, schema: serveSchema(true) }, serve);

  // Multipart is parsed only here, so every other route keeps the JSON body pipeline alone.
  await app.register(async (scope) => {
    await scope.register(multipart, {
      // One byte over the limit, so that AssetFiles sees an oversize file as such rather than a truncated one.
      limits: { fileSize: assets.maxBytes + 1, files: 1, fields: 8, fieldSize: 16 * 1024, parts: 10, headerPairs: 100 },
      throwFileSizeLimit: false,
      // Keep the name as sent: busboy would otherwise cut `../x.bin` down to `x.bin` and hide the attempt.
      preservePath: true,
    });
    const handler = assetUploadHandler({
      settings: assets,
      files,
      usedSignatures: new UsedSignatures(settings.configsDir, assets.timestampToleranceSeconds * 1000, io),
      announce: (filename) => (app.mqtt.topicPrefix === null ? undefined : app.mqtt.publish([assetUploadedMessage(app.mqtt.topicPrefix, filename)])),
      refused: metrics.refused,
    });
    scope.post(
      '/api/assets',
      {
        config: { operation: 'asset_upload', access: 'admin' },
        // The form's schema is for the OpenAPI document: the form is read as a stream and checked field by field.
        validatorCompiler: () => () => true,
        schema: {
          operationId: 'uploadAsset',
          tags: ['assets'],
          summary: 'Upload a signed asset',
          description:
            'A `multipart/form-data` form with `file`, `timestamp`, `signature` and optionally `file_sha256` (see docs/assets.md for signing with openssl). Each signature is accepted once. An existing file of the same name is replaced atomically. Publishes `{"filename"}` on `<prefix>/updates/assets`. With ADMIN_TOKEN set, the admin token is needed too.',
          consumes: ['multipart/form-data'],
          body: { description: 'The upload form', content: { 'multipart/form-data': { schema: AssetUploadFormSchema } } },
          response: { 200: AssetUploadResponseSchema, ...errorResponses(400, 413, 415, 503, 507, 500) },
        },
      },
      handler,
    );
  });
};

export default assetRoutes;
