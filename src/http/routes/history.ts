import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { inspectConfig } from '../../domain/config-document.js';
import { BadRequest, RecordNotFound, TombstoneNotRestorable, VersionNotFound } from '../../domain/errors.js';
import { isTombstone, type VersionMeta } from '../../domain/history-version.js';
import { parseMac } from '../../domain/mac.js';
import { errorResponses } from '../schemas/errors.js';
import { ConditionalHeadersSchema, MacParamsSchema } from '../schemas/configs.js';
import { ValidateQuerySchema } from '../schemas/schemas.js';
import { AuditQuerySchema, HistoryQuerySchema, HistoryVersionParamsSchema, RawVersionQuerySchema } from '../schemas/history.js';
import { JSON_CONTENT_TYPE, wrappedConfig } from './config-body.js';
import { writeConditions } from './http-conditions.js';

const etagHeader = { ETag: { type: 'string', description: 'Strong ETag of the config as restored' } };

/** A version as the API shows it, without its content. */
function versionBody(meta: VersionMeta) {
  return {
    version: meta.version,
    etag: meta.etag,
    operation: meta.operation,
    actor: meta.actor,
    at: new Date(meta.at).toISOString(),
    size: meta.size,
    restored_from: meta.restoredFrom,
    validation_skipped: meta.validationSkipped,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The stored text of a version and its parsed content, each null when the bytes are not UTF-8 or not a JSON object. */
function contentOf(bytes: Buffer): { content: Record<string, unknown> | null; content_text: string | null } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { content: null, content_text: null };
  }
  try {
    const value: unknown = JSON.parse(text);
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    return { content: isObject ? (value as Record<string, unknown>) : null, content_text: text };
  } catch {
    return { content: null, content_text: text };
  }
}

function decodeCursor(cursor: string): { at: number; mac: string; version: number } {
  try {
    const [at, mac, version] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && typeof mac === 'string' && typeof version === 'number') return { at, mac, version };
  } catch {
    // Refused below.
  }
  throw new BadRequest('The cursor is not one this service gave: pass the `next_cursor` of the previous page');
}

const encodeCursor = (meta: VersionMeta) => Buffer.from(JSON.stringify([meta.at, meta.mac, meta.version])).toString('base64url');

function timeOf(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new BadRequest(`${name} must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z`);
  return ms;
}

/** The version history of configs, restore, the deleted configs and the fleet's audit log (see docs/history.md). */
const historyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const store = app.configStore;
  const history = store.history;

  /** The version `version` of `mac`: 404 when there is none. */
  const versionOf = async (mac: string, version: number): Promise<VersionMeta> => {
    const meta = (await history.versions(mac)).find((each) => each.version === version);
    if (meta === undefined) throw new VersionNotFound(mac, version);
    return meta;
  };

  app.get(
    '/api/configs/:mac_address/history',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['history'],
        operationId: 'listConfigVersions',
        summary: 'List the versions of a config',
        description: 'Newest first, without content. A config older than its history has none until its first change. 404 only if the MAC never had a config.',
        params: MacParamsSchema,
        querystring: HistoryQuerySchema,
        response: { 200: { $ref: 'HistoryResponse' }, ...errorResponses(400, 404, 503, 500) },
      },
    },
    async (request) => {
      const mac = parseMac(request.params.mac_address);
      const limit = Number(request.query.limit ?? 100);
      const before = request.query.before === undefined ? undefined : Number(request.query.before);
      const versions = await history.versions(mac);
      if (versions.length === 0) await store.read(mac).catch((error: unknown) => {
        if (error instanceof RecordNotFound) throw error;
      });
      const older = before === undefined ? versions : versions.filter((meta) => meta.version < before);
      return { mac_address: mac, versions: older.slice(-limit).reverse().map(versionBody) };
    },
  );

  app.get(
    '/api/configs/:mac_address/history/:version',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['history'],
        operationId: 'getConfigVersion',
        summary: 'Read one version of a config',
        description:
          'The version\'s metadata with its content, parsed and as the exact stored text. `…/:version.json`, or `?raw=1`, answers the stored bytes as they were (409 for a tombstone, which has none).',
        params: HistoryVersionParamsSchema,
        querystring: RawVersionQuerySchema,
        response: { 200: { $ref: 'HistoryVersionContent' }, ...errorResponses(400, 404, 409, 503, 500) },
      },
    },
    async (request, reply) => {
      const mac = parseMac(request.params.mac_address);
      const raw = request.params.version.endsWith('.json') || request.query.raw !== undefined;
      const meta = await versionOf(mac, Number.parseInt(request.params.version, 10));
      if (raw && isTombstone(meta)) throw new TombstoneNotRestorable(mac, meta.version);
      const bytes = isTombstone(meta) ? Buffer.alloc(0) : await history.bytesOf(meta);
      if (raw) return reply.header('etag', meta.etag).type(JSON_CONTENT_TYPE).send(bytes);
      const content = isTombstone(meta) ? { content: null, content_text: null } : contentOf(bytes);
      return { mac_address: mac, ...versionBody(meta), ...content };
    },
  );

  app.post(
    '/api/configs/:mac_address/history/:version/restore',
    {
      config: { operation: 'restore', access: 'admin' },
      schema: {
        tags: ['history'],
        operationId: 'restoreConfigVersion',
        summary: 'Restore a version of a config',
        description:
          'Writes the version\'s exact bytes as the config again, through the normal save path (lock, atomic write, MQTT, history): a new version with operation `restore`. `If-Match` applies to the current config. Restoring a deleted config re-creates it; a tombstone cannot be restored (409).',
        params: HistoryVersionParamsSchema,
        headers: ConditionalHeadersSchema,
        querystring: ValidateQuerySchema,
        response: { 200: { $ref: 'ConfigResponse', headers: etagHeader }, ...errorResponses(400, 404, 409, 412, 503, 507, 500) },
      },
    },
    async (request, reply) => {
      const mac = parseMac(request.params.mac_address);
      const validate = request.query.validate !== 'false';
      const document = await store.restore(mac, Number.parseInt(request.params.version, 10), writeConditions(request.headers), request.actor, { validate });
      return reply.header('etag', document.etag).type(JSON_CONTENT_TYPE).send(wrappedConfig(document));
    },
  );

  app.get(
    '/api/history/deleted',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['history'],
        operationId: 'listDeletedConfigs',
        summary: 'List deleted configs',
        description: 'Configs whose latest version is a delete (through the API or by hand), most recently deleted first. A config moved to another MAC is not listed.',
        response: { 200: { $ref: 'DeletedConfigsResponse' }, ...errorResponses(503, 500) },
      },
    },
    async () => {
      await store.list();
      await history.refreshStale();
      return Promise.all(
        history.catalog.deleted().map(async (tombstone) => {
          const before = history.catalog.versionsOf(tombstone.mac).findLast((meta) => !isTombstone(meta));
          const bytes = before === undefined ? null : await history.bytesOf(before).catch(() => null);
          return {
            mac_address: tombstone.mac,
            device_name: bytes === null ? null : (inspectConfig(tombstone.mac, bytes).summary?.device_name ?? null),
            deleted_at: new Date(tombstone.at).toISOString(),
            actor: tombstone.actor,
            version: tombstone.version,
          };
        }),
      );
    },
  );

  app.get(
    '/api/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['history'],
        operationId: 'listAuditEntries',
        summary: 'The fleet\'s changes, newest first',
        description: 'Every recorded version of every config, filtered and paged. Pass `next_cursor` as `cursor` for the next page.',
        querystring: AuditQuerySchema,
        response: { 200: { $ref: 'AuditResponse' }, ...errorResponses(400, 503, 500) },
      },
    },
    async (request) => {
      const { mac, actor, operation, since, until, cursor } = request.query;
      const macAddress = mac === undefined ? undefined : parseMac(mac);
      // Changes other replicas made are noticed by the list's scan; one MAC's are read from disk.
      if (macAddress === undefined) await store.list();
      else await history.versions(macAddress);
      await history.refreshStale();
      const page = history.catalog.audit({
        mac: macAddress,
        actor,
        operation,
        since: timeOf(since, 'since'),
        until: timeOf(until, 'until'),
        limit: Number(request.query.limit ?? 100),
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      return {
        entries: page.entries.map((meta) => ({ mac_address: meta.mac, version: meta.version, operation: meta.operation, actor: meta.actor, at: new Date(meta.at).toISOString(), etag: meta.etag, validation_skipped: meta.validationSkipped })),
        next_cursor: page.more ? encodeCursor(page.entries[page.entries.length - 1]!) : null,
      };
    },
  );
};

export default historyRoutes;
