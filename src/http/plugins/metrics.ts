import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createMetrics, registerHistoryMetrics, type Metrics, type Operation } from '../metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
  interface FastifyContextConfig {
    /** The config operation a route performs, for `iot_config_operations_total`. */
    operation?: Operation;
  }
  interface FastifyReply {
    /** The error code sent, if any (set by the error handler). */
    errorCode?: string;
  }
}

/** Records every response in the HTTP histogram, and config routes' outcomes in the operation metrics. */
export default fp(
  async function metrics(app: FastifyInstance) {
    const metrics = createMetrics(() => app.configStore.countValidConfigs());
    app.decorate('metrics', metrics);
    const stopCounting = registerHistoryMetrics(metrics.registry, app.configStore.history);
    app.addHook('onClose', (_app, done) => {
      stopCounting();
      done();
    });
    app.decorateReply('errorCode', undefined);

    app.addHook('onResponse', (request, reply, done) => {
      // routeOptions is a getter that builds a new object: read once.
      const { url, config } = request.routeOptions;
      metrics.recordResponse(request.method, url ?? 'unmatched', reply.statusCode, config.operation, reply.errorCode, reply.elapsedTime / 1000);
      done();
    });

    app.get(
      '/metrics',
      {
        config: { access: 'public' },
        schema: {
          tags: ['operations'],
          operationId: 'getMetrics',
          summary: 'Prometheus metrics',
          description: 'Text exposition format: config operations, files count, HTTP durations and process metrics.',
          produces: ['text/plain'],
          response: { 200: { type: 'string', description: 'Prometheus text format' } },
        },
      },
      async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  },
  { name: 'metrics', dependencies: ['config-store'] },
);
