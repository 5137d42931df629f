import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

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
        summary: 'Health for probes',
        description: 'Healthy when the config directory exists, is a directory, and can be read and written. `mqtt` shows whether notifications are on and the broker connected; it does not affect the status.',
        response: { 200: { $ref: 'HealthResponse' }, 503: { $ref: 'HealthResponse' } },
      },
    },
    async (_request, reply) => {
      const health = await app.configStore.health();
      const mqtt = app.mqtt.status();
      if (health.healthy) return { status: 'healthy' as const, mqtt };
      return reply.code(503).send({ status: 'unhealthy' as const, reason: health.reason, mqtt });
    },
  );
};

export default healthRoutes;
