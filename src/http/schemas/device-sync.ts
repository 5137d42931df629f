import { Type, type Static } from 'typebox';

const time = (description: string) => Type.String({ format: 'date-time', description: `${description}, ISO 8601 UTC with milliseconds` });

/** The `fetch` member of each config in the list and of GET /api/configs/:mac_address (docs/device-sync.md). */
export const DeviceFetchSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('in_sync'), Type.Literal('pending'), Type.Literal('never_fetched'), Type.Literal('silent')], {
      description:
        '`in_sync`: the device holds the current ETag; `pending`: the config changed after its last fetch; `never_fetched`: no fetch of this MAC on record (the other members are then absent); `silent`: no fetch for longer than DEVICE_SILENT_AFTER',
    }),
    last_fetch_at: Type.Optional(time('When the device last fetched its config')),
    last_changed_fetch_at: Type.Optional(Type.Union([time('When the device last received a config other than the one it held'), Type.Null()])),
    etag: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: 'The ETag the device holds, quotes included: sent with its last 200 or proven by a 304; null when its last fetch found no config' }),
    ),
    count: Type.Optional(Type.Integer({ description: 'Fetches of this MAC, summed over every replica' })),
    client: Type.Optional(Type.String({ description: 'Client address of the last fetch' })),
    user_agent: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: '`User-Agent` of the last fetch' })),
  },
  { description: 'Whether the device has fetched the current config; only in GET answers' },
);

export const UnknownDeviceSchema = Type.Object(
  {
    mac_address: Type.String({ description: 'Canonical MAC address that fetched a config it does not have' }),
    last_fetch_at: time('When it last asked'),
    count: Type.Integer({ description: 'Fetches of this MAC, summed over every replica' }),
    client: Type.String({ description: 'Client address of the last fetch' }),
    user_agent: Type.Union([Type.String(), Type.Null()], { description: '`User-Agent` of the last fetch' }),
  },
  { $id: 'UnknownDevice', title: 'UnknownDevice' },
);

export const UnknownDevicesResponseSchema = Type.Array(Type.Ref('UnknownDevice'), {
  $id: 'UnknownDevicesResponse',
  title: 'UnknownDevicesResponse',
  description: 'MACs whose last fetch found no config and that still have none, latest fetch first',
});

export type DeviceFetch = Static<typeof DeviceFetchSchema>;
export type UnknownDevice = Static<typeof UnknownDeviceSchema>;
