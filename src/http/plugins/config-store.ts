import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Settings } from '../../settings.js';
import { ConfigStore } from '../../storage/config-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    configStore: ConfigStore;
  }
}

/** The file store, started when the app is ready and closed with it. */
export default fp(
  async function configStore(app: FastifyInstance, options: { settings: Settings }) {
    const store = new ConfigStore({
      dir: options.settings.configsDir,
      createDir: !options.settings.configsDirFromEnv,
      maxFileBytes: options.settings.maxConfigFileBytes,
      history: { limit: options.settings.historyLimit, maxAgeMs: options.settings.historyMaxAgeDays * 86_400_000 },
      schemaSelectorKey: options.settings.schemaSelectorKey,
      logger: app.log,
    });
    app.decorate('configStore', store);
    app.addHook('onReady', () => store.start());
    app.addHook('onClose', () => store.close());
  },
  { name: 'config-store' },
);
