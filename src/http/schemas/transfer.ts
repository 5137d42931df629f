import { Type, type Static } from 'typebox';
import { MAX_EXPORT_MACS } from '../../transfer/archive-layout.js';

// Query strings are not coerced (see server-options.ts): numbers and booleans are given as patterns.
export const ExportQuerySchema = Type.Object({
  macs: Type.Optional(
    Type.String({
      minLength: 1,
      description: `Only these configs, comma-separated, at most ${MAX_EXPORT_MACS}, each once, MACs in any accepted form; \`history\` then holds only their versions. A MAC with no config is left out, listed in the manifest's \`skipped\` and in the \`X-Missing-Configs\` header.`,
    }),
  ),
  include: Type.Optional(
    Type.String({
      pattern: '^(history|schemas)(,(history|schemas))*$',
      description: 'Extra sections, comma-separated: `history` (the version files, as `history/<mac>/<file>`), `schemas` (once configs have schemas)',
    }),
  ),
});

export const ImportQuerySchema = Type.Object({
  dry_run: Type.Optional(Type.String({ pattern: '^(true|false|1|0)$', description: '`true`: answer the plan and write nothing' })),
  mode: Type.Optional(Type.Union([Type.Literal('merge'), Type.Literal('replace')], { description: '`merge` (default): create and update; `replace`: also delete configs absent from the archive' })),
  confirm: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'Required by a replace import that deletes: the number of configs it deletes, as its dry run said' })),
  if_unchanged_since: Type.Optional(Type.String({ description: 'ISO 8601 time: a config changed on the server after it is a conflict, left alone' })),
  diff: Type.Optional(Type.String({ description: 'With `dry_run=true`: a MAC whose stored text and archive text are added as `diff`, for showing one update' })),
  if_match: Type.Optional(Type.Literal('manifest', { description: '`manifest`: a config whose ETag is not the one in the archive\'s manifest is a conflict, left alone' })),
});

const macList = (description: string) => Type.Array(Type.String(), { description });

export const ImportResponseSchema = Type.Object(
  {
    dry_run: Type.Boolean({ description: 'True: the plan, nothing was written; false: what was done' }),
    mode: Type.Union([Type.Literal('merge'), Type.Literal('replace')]),
    create: macList('Configs created (or to create)'),
    update: Type.Array(
      Type.Object({
        mac_address: Type.String(),
        current_etag: Type.Union([Type.String(), Type.Null()], { description: 'The ETag the config had before the import' }),
      }),
      { description: 'Configs replaced (or to replace)' },
    ),
    unchanged: macList('Configs already as in the archive'),
    delete: macList('Configs deleted (or to delete), replace mode only'),
    invalid: Type.Array(Type.Object({ entry: Type.String({ description: 'Path in the archive' }), reason: Type.String() }), { description: 'Entries not imported: not a config name, not UTF-8, not a JSON object' }),
    conflicts: Type.Array(Type.Object({ mac_address: Type.String(), reason: Type.String() }), { description: 'Configs left alone: changed on the server (if_unchanged_since, if_match=manifest, or during the import)' }),
    diff: Type.Optional(
      Type.Object(
        {
          mac_address: Type.String(),
          current_text: Type.Union([Type.String(), Type.Null()], { description: 'The stored text now; null when there is no config' }),
          archive_text: Type.Union([Type.String(), Type.Null()], { description: 'The text in the archive; null when it has no usable config for the MAC' }),
        },
        { description: 'Only when `diff` was asked for' },
      ),
    ),
  },
  { $id: 'ImportResponse', title: 'ImportResponse' },
);

export type ImportResponse = Static<typeof ImportResponseSchema>;
