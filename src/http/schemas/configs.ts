import { Type, type Static } from 'typebox';
import { DeviceFetchSchema } from './device-sync.js';
import { ValidationSchema, ValidationSummarySchema } from './schemas.js';

const factsFields = {
  duplicates: Type.Optional(Type.Array(Type.Ref('DeviceDuplicate'), { description: 'The unique-key values (UNIQUE_KEYS) this device shares with others; absent when none' })),
  summary_problems: Type.Optional(
    Type.Array(Type.Ref('SummaryProblem'), { description: 'Summary keys present with a value of the wrong type (their field is null); absent when none' }),
  ),
};

export const MacParamsSchema = Type.Object({
  mac_address: Type.String({
    description: 'MAC address in any letter case, with `-` or `:` separators or none, e.g. `aa-bb-cc-dd-ee-ff`, `AA:BB:CC:DD:EE:FF`, `aabbccddeeff`',
  }),
});

export const ConfigContentSchema = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'The device config document (a JSON object). `deviceName`, `deviceEntityId` and `enableOTA` feed the summary fields; all other keys are the device\'s own.',
});

const summaryFields = {
  mac_address: Type.String({ description: 'Canonical MAC address: lowercase, hyphen-separated', examples: ['aa-bb-cc-dd-ee-ff'] }),
  device_name: Type.Union([Type.String(), Type.Null()], { description: 'The content\'s `deviceName` when it is a string, else null' }),
  device_entity_id: Type.Union([Type.String(), Type.Null()], { description: 'The content\'s `deviceEntityId` when it is a string, else null' }),
  enable_ota: Type.Union([Type.Boolean(), Type.Null()], { description: 'The content\'s `enableOTA` when it is a boolean, else null' }),
};

export const ConfigSummarySchema = Type.Object(
  { ...summaryFields, fetch: Type.Optional(DeviceFetchSchema), validation: Type.Optional(ValidationSummarySchema), ...factsFields },
  { $id: 'ConfigSummary', title: 'ConfigSummary' },
);

export const ConfigResponseSchema = Type.Object(
  {
    ...summaryFields,
    content: ConfigContentSchema,
    fetch: Type.Optional(DeviceFetchSchema),
    validation: Type.Optional({ ...ValidationSchema, description: 'On GET: how the config fares against its JSON Schema' }),
    ...factsFields,
  },
  { $id: 'ConfigResponse', title: 'ConfigResponse', description: 'A config with its summary fields' },
);

export const SkippedFileSchema = Type.Object(
  {
    filename: Type.String({ description: 'Name of the file in the config directory' }),
    reason: Type.String({ description: 'Why it is not listed, so a person can fix it' }),
  },
  { $id: 'SkippedFile', title: 'SkippedFile' },
);

export const ConfigListResponseSchema = Type.Object(
  {
    configs: Type.Array(Type.Ref('ConfigSummary'), { description: 'Every valid config, sorted by MAC address' }),
    count: Type.Integer({ description: 'Number of entries in `configs`' }),
    skipped: Type.Array(Type.Ref('SkippedFile'), { description: 'Files in the directory that are not valid configs' }),
  },
  { $id: 'ConfigListResponse', title: 'ConfigListResponse' },
);

export const SaveConfigRequestSchema = Type.Object(
  {
    content: ConfigContentSchema,
    // The default is told, not given as `default`: generated clients (openapi-typescript) would then require the member.
    allow_overwrite: Type.Optional(
      Type.Boolean({ description: 'true when absent; false: create only, 409 RECORD_EXISTS when the config already exists' }),
    ),
  },
  { $id: 'SaveConfigRequest', title: 'SaveConfigRequest' },
);

export const RenameConfigRequestSchema = Type.Object(
  {
    new_mac_address: Type.String({ description: 'The MAC address to move the config to, in any accepted form' }),
  },
  { $id: 'RenameConfigRequest', title: 'RenameConfigRequest' },
);

export const DeviceConfigResponseSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'The stored JSON document itself, byte for byte (less a leading UTF-8 byte-order mark)',
});

export const ConditionalHeadersSchema = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description: 'Write only if the config\'s current ETag is one of these (`*`: if it exists). 412 otherwise. ETags as the ETag header gives them, quotes included: 400 otherwise.',
    }),
  ),
  'if-none-match': Type.Optional(
    Type.String({
      description: '`*`: create only, 412 if the config exists. ETags: 412 if the config\'s current ETag is one of them (weakly compared), quoted as the ETag header gives them: 400 otherwise.',
    }),
  ),
});

export type SaveConfigRequest = Static<typeof SaveConfigRequestSchema>;
export type RenameConfigRequest = Static<typeof RenameConfigRequestSchema>;
export type ConfigListResponse = Static<typeof ConfigListResponseSchema>;
export type ConfigResponse = Static<typeof ConfigResponseSchema>;
