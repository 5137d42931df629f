import { Type, type Static } from 'typebox';

export const SchemaErrorSchema = Type.Object({
  pointer: Type.String({ description: 'JSON pointer (RFC 6901) of the offending value in the config, e.g. `/mqtt/port`; `` for the whole config' }),
  message: Type.String({ description: 'What is wrong, as a sentence: "must be a number", "is not one of: wpa2, wpa3"' }),
  keyword: Type.String({ description: 'The JSON Schema keyword that failed (`type`, `enum`, `required`...)' }),
});

const schemaName = Type.Union([Type.String(), Type.Null()], { description: 'The schema that applies (by the selector key, else `default`), or null when none does' });

export const ValidationSchema = Type.Object(
  {
    schema: schemaName,
    valid: Type.Boolean({ description: 'true when no schema applies or the config passes it' }),
    errors: Type.Array(SchemaErrorSchema, { description: 'Every way the config fails its schema; empty when valid' }),
  },
  { description: 'How the config fares against its JSON Schema' },
);

export const ValidationSummarySchema = Type.Object(
  {
    schema: schemaName,
    valid: Type.Boolean(),
    error_count: Type.Integer({ description: 'Number of errors; the single config gives them' }),
  },
  { description: 'How the config fares against its JSON Schema (see GET /api/configs/:mac_address for the errors)' },
);

// Query strings are not coerced (see server-options.ts): flags are the words true and false.
const flag = (description: string) => Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description }));

export const ValidateQuerySchema = Type.Object({
  validate: flag( 'false: save even if the config fails its schema (recorded in the log with the actor)'),
});

export const SchemaParamsSchema = Type.Object({
  name: Type.String({ description: 'Schema name: 1 to 64 letters, digits, `_`, `.`, `-`, starting with a letter or digit', maxLength: 64 }),
});

export const SchemaPutQuerySchema = Type.Object({
  dry_run: flag('true: answer which stored configs would fail, and save nothing'),
});

export const SchemaIfMatchHeadersSchema = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'Write only if the schema\'s current ETag is one of these (`*`: if it exists); 412 otherwise' })),
});

export const JsonSchemaBodySchema = Type.Record(Type.String(), Type.Unknown(), {
  $id: 'JsonSchemaDocument',
  title: 'JsonSchemaDocument',
  description: 'A JSON Schema (2020-12, or draft-07 when `$schema` says so)',
});

export const SchemaListItemSchema = Type.Object({
  name: Type.String(),
  title: Type.Union([Type.String(), Type.Null()], { description: 'The schema\'s `title`' }),
  description: Type.Union([Type.String(), Type.Null()], { description: 'The schema\'s `description`' }),
  updated_at: Type.String({ description: 'When the schema file was last written (ISO 8601)' }),
  config_count: Type.Integer({ description: 'Configs the schema applies to' }),
  failing_count: Type.Integer({ description: 'Of those, the configs that fail it' }),
});

export const SchemaListResponseSchema = Type.Array(SchemaListItemSchema);

export const SchemaResponseSchema = Type.Object({
  name: Type.String(),
  updated_at: Type.String(),
  schema: JsonSchemaBodySchema,
});

export const FailingConfigSchema = Type.Object({
  mac_address: Type.String(),
  errors: Type.Array(SchemaErrorSchema),
});

export const DryRunResponseSchema = Type.Object({
  name: Type.String(),
  dry_run: Type.Literal(true),
  config_count: Type.Integer({ description: 'Configs the schema would apply to' }),
  failing_count: Type.Integer({ description: 'Of those, the configs that would fail it' }),
  failing: Type.Array(FailingConfigSchema, { description: 'The failing configs, sorted by MAC, with their errors' }),
});

export type SchemaListItem = Static<typeof SchemaListItemSchema>;
export type DryRunResponse = Static<typeof DryRunResponseSchema>;
export type Validation = Static<typeof ValidationSchema>;
