import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Health for Kubernetes probes: 503 with a reason when the config directory is unusable. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Health for probes',
        description: 'Healthy when the config directory exists, is a directory, and can be read and written.',
        response: { 200: { $ref: 'HealthResponse' }, 503: { $ref: 'HealthResponse' } },
      },
    },
    async (_request, reply) => {
      const health = await app.configStore.health();
      if (health.healthy) return { status: 'healthy' as const };
      return reply.code(503).send({ status: 'unhealthy' as const, reason: health.reason });
    },
  );
};

export default healthRoutes;
