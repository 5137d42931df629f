import { Type, type Static } from 'typebox';

export const MAX_BULK_MACS = 10_000;

const editPath = (description: string) =>
  Type.String({ description: `${description}. Dot-separated keys, array indices as numbers: \`wifi.ssid\`, \`sensors.0.pin\``, minLength: 1, maxLength: 1024 });

export const BulkEditRequestSchema = Type.Object(
  {
    macs: Type.Array(Type.String(), {
      maxItems: MAX_BULK_MACS,
      description: `The configs to edit, at most ${MAX_BULK_MACS}, each once, MACs in any accepted form. The answer keeps their order.`,
    }),
    patch: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'A JSON Merge Patch (RFC 7396) applied to each config: a member set to null is removed, an object is merged, anything else replaces. Not with `set`/`unset`.',
      }),
    ),
    set: Type.Optional(
      Type.Array(
        Type.Object({ path: editPath('Where to set the value'), value: Type.Unknown({ description: 'Any JSON value' }) }),
        { description: 'Values to set, in order. Missing parent objects are made; an array index may be one past the end (append). A path through a number, string, boolean or null fails that config.' },
      ),
    ),
    unset: Type.Optional(
      Type.Array(editPath('A value to remove (an array item is spliced out); nothing there is no change'), {
        description: 'Values to remove, in order, after `set`',
      }),
    ),
    if_match: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'By MAC, the ETag (quoted, as answered) the config must still have, e.g. those a dry run answered. A config that has changed is answered `conflict` and left alone.',
      }),
    ),
  },
  { $id: 'BulkEditRequest', title: 'BulkEditRequest', description: 'One change for many configs: either `patch`, or `set` and/or `unset`' },
);

export const BulkEditQuerySchema = Type.Object({
  dry_run: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: answer what each config would become, and write nothing' })),
});

export const JsonChangeSchema = Type.Object(
  {
    path: Type.String({ description: 'Dot-separated path of the changed value (`` for the whole config)' }),
    before: Type.Optional(Type.Unknown({ description: 'The value before; absent when the edit adds it' })),
    after: Type.Optional(Type.Unknown({ description: 'The value after; absent when the edit removes it' })),
  },
  { $id: 'JsonChange', title: 'JsonChange', description: 'One changed leaf value (objects and arrays are compared member by member)' },
);

export const BulkResultSchema = Type.Object(
  {
    mac_address: Type.String({ description: 'Canonical MAC address' }),
    status: Type.Union(
      [Type.Literal('saved'), Type.Literal('unchanged'), Type.Literal('conflict'), Type.Literal('not_found'), Type.Literal('failed')],
      {
        description:
          '`saved` (in a dry run: would be saved), `unchanged` (the edit changes nothing; nothing written), `conflict` (its ETag is not the one in `if_match`), `not_found` (no such config; none is created), `failed` (the edit cannot apply, or the result fails its JSON Schema; see `error`)',
      },
    ),
    etag: Type.Union([Type.String(), Type.Null()], { description: 'The new ETag when saved; else (and in a dry run) the current one; null when there is no config' }),
    diff: Type.Optional(Type.Array(Type.Ref('JsonChange'), { description: 'Dry run only: the leaf-level changes the edit makes, empty when unchanged' })),
    error: Type.Optional(Type.String({ description: 'Why the config is `failed` or `conflict`' })),
  },
  { $id: 'BulkResult', title: 'BulkResult' },
);

export const BulkEditResponseSchema = Type.Object(
  { results: Type.Array(Type.Ref('BulkResult'), { description: 'One result per MAC, in the order of `macs`' }) },
  { $id: 'BulkEditResponse', title: 'BulkEditResponse' },
);

export type BulkEditRequest = Static<typeof BulkEditRequestSchema>;

const leafValue = (description: string) => Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()], { description });

export const DuplicateSchema = Type.Object(
  {
    path: Type.String({ description: 'The unique key (one of UNIQUE_KEYS), e.g. `wifi.hostname`' }),
    value: leafValue('The value, as the first of the devices spells it (strings are compared without regard to letter case); `********` for a secret key'),
    mac_addresses: Type.Array(Type.String(), { description: 'The devices that hold it, sorted; always more than one' }),
  },
  { $id: 'Duplicate', title: 'Duplicate', description: 'A value of a unique key held by more than one device' },
);

export const DeviceDuplicateSchema = Type.Object(
  {
    path: Type.String({ description: 'The unique key (one of UNIQUE_KEYS)' }),
    value: leafValue('The value, as the first of the devices spells it; `********` for a secret key'),
    mac_addresses: Type.Array(Type.String(), { description: 'The first 10 devices (sorted) that hold it, this one among them or not; GET /api/configs/checks lists them all' }),
    count: Type.Integer({ description: 'How many devices hold it' }),
  },
  { $id: 'DeviceDuplicate', title: 'DeviceDuplicate', description: 'A unique-key value this device shares with others' },
);

export const SummaryProblemSchema = Type.Object(
  {
    key: Type.String({ description: 'The summary key: `deviceName`, `deviceEntityId` or `enableOTA`' }),
    value: Type.Unknown({ description: 'What the config holds there (an object or array is given as `an object` / `an array`)' }),
    expected: Type.Union([Type.Literal('string'), Type.Literal('boolean')], { description: 'The type the summary field takes' }),
  },
  {
    $id: 'SummaryProblem',
    title: 'SummaryProblem',
    description: 'A summary key present with a value of another type: its summary field is null, as if the key were absent, and this says why',
  },
);

export const FleetChecksResponseSchema = Type.Object(
  {
    unique_keys: Type.Array(Type.String(), { description: 'The paths checked (UNIQUE_KEYS, in their configured order), e.g. `deviceEntityId`; empty when the checks are off' }),
    duplicates: Type.Array(Type.Ref('Duplicate'), { description: 'Values of the UNIQUE_KEYS paths that more than one device holds, sorted by path' }),
  },
  { $id: 'FleetChecksResponse', title: 'FleetChecksResponse' },
);

export const SearchQuerySchema = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 256, description: 'Text to find, without regard to letter case, in any key path (`wifi.ssid`) or string, number or boolean value' }),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'At most this many devices (1 to 1000, default 100)' })),
});

export const SearchMatchSchema = Type.Object(
  {
    mac_address: Type.String(),
    path: Type.String({ description: 'Dot-separated path of the first matching value in the config' }),
    value: leafValue('The value there; `********` (with `masked`) for a secret key, whose values are never searched'),
    masked: Type.Optional(Type.Literal(true, { description: 'The key is a secret (SECRET_KEYS): the path matched, the value is hidden' })),
  },
  { $id: 'SearchMatch', title: 'SearchMatch', description: 'The first match in one config' },
);

export const SearchResponseSchema = Type.Object(
  {
    matches: Type.Array(Type.Ref('SearchMatch'), { description: 'At most one per device, sorted by MAC' }),
    truncated: Type.Boolean({ description: 'true when more devices match than `limit`' }),
  },
  { $id: 'SearchResponse', title: 'SearchResponse' },
);
