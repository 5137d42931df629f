import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import { SchemaViolation } from '../../domain/errors.js';
import { FleetValidation } from '../../storage/fleet-validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The validation of every listed config against its JSON Schema, rebuilt when configs or schemas change. */
    fleetValidation: FleetValidation;
  }
}

/** Validation of the fleet against its schemas, and its metrics: refused saves by schema, and configs failing now. */
export default fp(
  async function schemaValidation(app: FastifyInstance) {
    const fleet = new FleetValidation(app.configStore);
    app.decorate('fleetValidation', fleet);
    const failures = new Counter({
      name: 'iot_config_validation_failures_total',
      help: 'Saves refused because the config failed its JSON Schema, by schema',
      labelNames: ['schema'],
      registers: [app.metrics.registry],
    });
    new Gauge({
      name: 'iot_config_configs_failing_schema',
      help: 'Stored configs that fail the JSON Schema that applies to them (drift)',
      registers: [app.metrics.registry],
      async collect() {
        // Unusable storage is reported by the health route: the scrape still answers.
        const current = await fleet.current().catch(() => null);
        if (current !== null) this.set(current.failing);
      },
    });
    // Synchronous: an async hook would delay every error answer by a tick, and the refusal of a body of unknown
    // length must be sent before Node's parser reads on (see request-context.ts).
    app.addHook('onError', (_request, _reply, error, done) => {
      if (error instanceof SchemaViolation) failures.inc({ schema: String(error.details.schema) });
      done();
    });
  },
  { name: 'schema-validation', dependencies: ['config-store', 'metrics'] },
);
