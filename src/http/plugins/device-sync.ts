import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { normaliseMac } from '../../domain/mac.js';
import type { Settings } from '../../settings.js';
import { DeviceSync } from '../../storage/device-sync.js';
import { FetchRecords } from '../../storage/fetch-records.js';
import { createFetchMetrics } from '../fetch-metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Device fetch records and the sync state of each config (docs/device-sync.md). */
    deviceSync: DeviceSync;
  }
}

/** Longest `User-Agent` kept: the records live in memory and in each replica's file. */
const USER_AGENT_MAX = 256;

/**
 * Records every device fetch (the routes whose operation is `get_raw`) once
 * its answer is sent, so recording never delays it; keeps the records with
 * the store's life. FETCH_TRACKING=false records nothing.
 */
export default fp(
  async function deviceSync(app: FastifyInstance, options: { settings: Settings }) {
    const settings = options.settings.deviceSync;
    const records = new FetchRecords({ dir: options.settings.configsDir, logger: app.log.child({ component: 'fetch-records' }) });
    const sync = new DeviceSync(records, settings.silentAfterMs);
    app.decorate('deviceSync', sync);
    const metrics = createFetchMetrics(app.metrics.registry, { sync, listing: () => app.configStore.list(), perDevice: settings.metricsPerDevice });
    if (!settings.enabled) return;

    const recordFetch: onResponseHookHandler = (request: FastifyRequest, reply: FastifyReply, done) => {
      const status = reply.statusCode;
      // A 404 of a device route is a MAC without a config; any other failure says nothing of the device.
      if (status === 200 || status === 304 || (status === 404 && reply.errorCode === 'RECORD_NOT_FOUND')) {
        const mac = normaliseMac((request.params as { mac_address: string }).mac_address);
        if (mac !== null) {
          const etag = status === 404 ? null : (reply.getHeader('etag') as string);
          const userAgent = request.headers['user-agent']?.slice(0, USER_AGENT_MAX) ?? null;
          records.record(mac, status, etag, request.ip, userAgent);
          metrics.fetched(status);
        }
      }
      done();
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.operation !== 'get_raw') return;
      const hooks = route.onResponse;
      route.onResponse = hooks === undefined ? [recordFetch] : [...(Array.isArray(hooks) ? hooks : [hooks]), recordFetch];
    });
    // Not awaited: start-up does not wait for other replicas' files, which are merged as soon as they are read.
    app.addHook('onReady', async () => void records.start());
    app.addHook('onClose', () => records.close());
  },
  { name: 'device-sync', dependencies: ['config-store', 'metrics'] },
);
