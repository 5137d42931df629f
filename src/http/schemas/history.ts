import { Type, type Static } from 'typebox';

export const HISTORY_OPERATIONS = ['create', 'update', 'delete', 'rename_from', 'rename_to', 'restore', 'external', 'import'] as const;

const operation = Type.Union(
  HISTORY_OPERATIONS.map((name) => Type.Literal(name)),
  {
    description:
      'What made the version: `create`, `update`, `delete` (a tombstone), `rename_from` (the move away, a tombstone), `rename_to` (the move here), `restore`, `external` (a change found in the directory, or the baseline of a config older than its history) or `import`',
  },
);

const actor = Type.Union([Type.String(), Type.Null()], {
  description: 'Who made the change: a trusted proxy\'s user, an admin token\'s name or `anonymous@<address>`; null for a change found in the directory',
});

const etag = Type.Union([Type.String(), Type.Null()], { description: 'The config\'s ETag after the change, quotes included; null for a tombstone' });

const versionFields = {
  version: Type.Integer({ minimum: 1, description: 'Increases by one per change of this MAC, from 1' }),
  etag,
  operation,
  actor,
  at: Type.String({ format: 'date-time', description: 'When the change was made (ISO 8601 UTC, milliseconds)' }),
  size: Type.Integer({ minimum: 0, description: 'Size of the stored bytes (0 for a tombstone)' }),
  restored_from: Type.Union([Type.Integer(), Type.Null()], { description: 'For a restore, the version restored; else null' }),
  validation_skipped: Type.Boolean({ description: 'The save was made with `?validate=false`: the config was not checked against its JSON Schema' }),
};

export const HistoryVersionSchema = Type.Object(versionFields, { $id: 'HistoryVersion', title: 'HistoryVersion' });

export const HistoryResponseSchema = Type.Object(
  {
    mac_address: Type.String({ description: 'Canonical MAC address' }),
    versions: Type.Array(Type.Ref('HistoryVersion'), { description: 'Versions, newest first, without their content' }),
  },
  { $id: 'HistoryResponse', title: 'HistoryResponse' },
);

// Query strings are not coerced (see server-options.ts): numbers are given as patterns.
const LIMIT = { pattern: '^([1-9][0-9]{0,2}|1000)$', description: 'Most returned, from 1 to 1000 (default 100)' };
const VERSION_NUMBER = '^[1-9][0-9]{0,9}$';

export const HistoryQuerySchema = Type.Object({
  limit: Type.Optional(Type.String(LIMIT)),
  before: Type.Optional(Type.String({ pattern: VERSION_NUMBER, description: 'Only versions older than this version number (for paging)' })),
});

export const HistoryVersionParamsSchema = Type.Object({
  mac_address: Type.String({ description: 'MAC address in any accepted form' }),
  version: Type.String({ pattern: '^[1-9][0-9]{0,9}(\\.json)?$', description: 'A version number; `<n>.json` answers the stored bytes as they were' }),
});

export const HistoryVersionContentSchema = Type.Object(
  {
    mac_address: Type.String({ description: 'Canonical MAC address' }),
    ...versionFields,
    content: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'The version\'s config, parsed; null for a tombstone or bytes that are not a JSON object',
    }),
    content_text: Type.Union([Type.String(), Type.Null()], { description: 'The exact stored text; null for a tombstone or bytes that are not UTF-8' }),
  },
  { $id: 'HistoryVersionContent', title: 'HistoryVersionContent' },
);

export const RawVersionQuerySchema = Type.Object({
  raw: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true')], { description: '`1`: answer the stored bytes as they were' })),
});

export const DeletedConfigSchema = Type.Object(
  {
    mac_address: Type.String({ description: 'Canonical MAC address' }),
    device_name: Type.Union([Type.String(), Type.Null()], { description: '`deviceName` of the last version before the delete, when it was a string' }),
    deleted_at: Type.String({ format: 'date-time', description: 'When it was deleted' }),
    actor,
    version: Type.Integer({ description: 'The tombstone\'s version number; restore the one before it to bring the config back' }),
  },
  { $id: 'DeletedConfig', title: 'DeletedConfig' },
);

export const DeletedConfigsResponseSchema = Type.Array(Type.Ref('DeletedConfig'), {
  $id: 'DeletedConfigsResponse',
  title: 'DeletedConfigsResponse',
  description: 'Configs whose latest version is a delete, most recently deleted first',
});

export const AuditQuerySchema = Type.Object({
  mac: Type.Optional(Type.String({ description: 'Only this MAC address (any accepted form)' })),
  actor: Type.Optional(Type.String({ description: 'Only changes by this actor (exact match)' })),
  operation: Type.Optional(operation),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Only changes at or after this time' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Only changes before this time' })),
  limit: Type.Optional(Type.String(LIMIT)),
  cursor: Type.Optional(Type.String({ description: 'The `next_cursor` of the previous page' })),
});

export const AuditEntrySchema = Type.Object(
  {
    mac_address: Type.String({ description: 'Canonical MAC address' }),
    version: versionFields.version,
    operation,
    actor,
    at: versionFields.at,
    etag,
    validation_skipped: versionFields.validation_skipped,
  },
  { $id: 'AuditEntry', title: 'AuditEntry' },
);

export const AuditResponseSchema = Type.Object(
  {
    entries: Type.Array(Type.Ref('AuditEntry'), { description: 'Changes across the fleet, newest first' }),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
  },
  { $id: 'AuditResponse', title: 'AuditResponse' },
);

export type HistoryOperation = (typeof HISTORY_OPERATIONS)[number];
export type HistoryVersion = Static<typeof HistoryVersionSchema>;
export type HistoryResponse = Static<typeof HistoryResponseSchema>;
export type HistoryVersionContent = Static<typeof HistoryVersionContentSchema>;
export type DeletedConfig = Static<typeof DeletedConfigSchema>;
export type AuditEntry = Static<typeof AuditEntrySchema>;
export type AuditResponse = Static<typeof AuditResponseSchema>;
