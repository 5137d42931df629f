import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../schemas/errors.js';

/**
 * Health for Kubernetes probes: 503 with a reason when the config directory is
 * unusable. The MQTT state is shown but never makes the service unhealthy:
 * configs are still served without the broker.
 */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        operationId: 'getHealth',
        summary: 'Health for probes',
        description: 'Healthy when the config directory exists, is a directory, and can be read and written. `mqtt` shows whether notifications are on and the broker connected; it does not affect the status.',
        response: {
          200: { $ref: 'HealthResponse' },
          503: {
            description: 'Unhealthy, with the reason; or, for a request that arrives while the service shuts down, the error envelope with `SHUTTING_DOWN`',
            anyOf: [{ $ref: 'HealthResponse' }, { $ref: 'ErrorResponse' }],
          },
        },
      },
    },
    async (_request, reply) => {
      const health = await app.configStore.health();
      const mqtt = app.mqtt.status();
      if (health.healthy) return { status: 'healthy' as const, mqtt };
      return reply.code(503).send({ status: 'unhealthy' as const, reason: health.reason, mqtt });
    },
  );

  // For a liveness probe. A restart cannot bring back a missing or read-only volume (the node mounts it, not
  // the container), so a liveness probe on /api/health would only restart the service in a loop while the
  // volume is out, when it could still answer the list and report the fault.
  app.get(
    '/api/health/live',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        operationId: 'getLiveness',
        summary: 'Liveness for probes',
        description: 'Always 200 while the process answers requests; storage is not checked. Use `/api/health` for readiness.',
        // 503: only for a request that arrives while the service shuts down.
        response: { 200: { $ref: 'LivenessResponse' }, ...errorResponses(503) },
      },
    },
    async () => ({ status: 'alive' as const }),
  );
};

export default healthRoutes;
