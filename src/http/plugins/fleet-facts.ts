import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Settings } from '../../settings.js';
import { FleetFacts } from '../../storage/fleet-facts.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Duplicate unique-key values, the search and the summaries' type problems, derived from the configs' content. */
    fleetFacts: FleetFacts;
  }
}

export default fp(
  async function fleetFacts(app: FastifyInstance, options: { settings: Settings }) {
    const { uniqueKeys, secretKeys } = options.settings;
    app.decorate('fleetFacts', new FleetFacts(app.configStore, { uniqueKeys, secretKeys }));
  },
  { name: 'fleet-facts', dependencies: ['config-store'] },
);
