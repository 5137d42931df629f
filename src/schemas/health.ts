import { Type } from 'typebox';

export const HealthResponseSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy')]),
    reason: Type.Optional(Type.String({ description: 'Why the service is unhealthy, e.g. `Directory does not exist: /data`' })),
  },
  { $id: 'HealthResponse', additionalProperties: true, description: 'Health for probes. Deliberately not the error envelope, for compatibility.' },
);
