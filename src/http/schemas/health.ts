import { Type } from 'typebox';

export const HealthResponseSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy')]),
    reason: Type.Optional(Type.String({ description: 'Why the service is unhealthy, e.g. `Directory does not exist: /data`' })),
    mqtt: Type.Object(
      {
        enabled: Type.Boolean({ description: 'MQTT notifications are configured (MQTT_URL set)' }),
        connected: Type.Boolean({ description: 'Connected to the broker now; while false, notifications are queued' }),
      },
      { description: 'MQTT change notifications. A disconnected broker does not make the service unhealthy.' },
    ),
  },
  { $id: 'HealthResponse', title: 'HealthResponse', additionalProperties: true, description: 'Health for probes. Deliberately not the error envelope, for compatibility.' },
);

export const LivenessResponseSchema = Type.Object(
  { status: Type.Literal('alive', { description: 'Always `alive`: the process answered' }) },
  { $id: 'LivenessResponse', title: 'LivenessResponse', description: 'The process answers. Says nothing about storage, on purpose: see /api/health.' },
);
