import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { SyncState } from '../../domain/sync-state.js';
import { clearedMessages, discoveryMessage, statusMessage } from '../../notifications/device-status-messages.js';
import type { OutgoingMessage } from '../../notifications/config-messages.js';
import type { Settings } from '../../settings.js';

/** A change is published this long after it, so a burst of fetches or saves is looked at once. */
const SETTLE_MS = 300;
/** Looked at this often besides, for devices that turned silent. */
const RECHECK_MS = 5_000;
/** At most this many devices per look, so a large fleet at start-up is published in steps. */
const DEVICES_PER_LOOK = 200;

/**
 * Publishes each config's sync state, retained, on `<prefix>/devices/<mac>/status`
 * whenever it changes, and Home Assistant discovery configs with
 * MQTT_HA_DISCOVERY=true, on the notifier's connection, newest state per topic. Each
 * replica publishes the changes it sees; a repeat of a retained state is harmless.
 */
export default fp(
  async function deviceStatus(app: FastifyInstance, options: { settings: Settings }) {
    const prefix = app.mqtt.topicPrefix;
    const { enabled, haDiscovery } = options.settings.deviceSync;
    if (prefix === null || !enabled) return;
    const sync = app.deviceSync;
    const published = new Map<string, SyncState>();
    let timer: NodeJS.Timeout | null = null;
    let closed = false;

    const look = async (): Promise<void> => {
      timer = null;
      const listing = await app.configStore.list();
      if (closed) return;
      const messages: OutgoingMessage[] = [];
      const present = new Set<string>();
      let devices = 0;
      for (const state of sync.states(listing)) {
        present.add(state.mac);
        if (published.get(state.mac) === state.state) continue;
        if (++devices > DEVICES_PER_LOOK) continue;
        if (haDiscovery && !published.has(state.mac)) {
          messages.push(discoveryMessage(prefix, state.mac, state.summary.device_name));
        }
        messages.push(statusMessage(prefix, state));
        published.set(state.mac, state.state);
      }
      for (const mac of published.keys()) {
        if (present.has(mac)) continue;
        published.delete(mac);
        messages.push(...clearedMessages(prefix, mac, haDiscovery));
      }
      if (messages.length > 0) app.mqtt.publishState(messages);
      if (devices > DEVICES_PER_LOOK) schedule(1_000);
    };
    // One look at a time, so two never publish the same change.
    let looking = Promise.resolve();
    const schedule = (delay = SETTLE_MS): void => {
      if (timer !== null || closed) return;
      timer = setTimeout(() => {
        looking = looking.then(look).catch((error: unknown) => app.log.warn({ err: error }, 'Could not publish the device sync states'));
      }, delay);
      timer.unref();
    };

    const stopRecords = sync.records.onChange(() => schedule());
    const stopStore = app.configStore.onChange(() => schedule());
    const recheck = setInterval(() => schedule(0), RECHECK_MS);
    recheck.unref();
    app.addHook('onReady', async () => schedule(0));
    app.addHook('onClose', async () => {
      closed = true;
      stopRecords();
      stopStore();
      clearInterval(recheck);
      if (timer !== null) clearTimeout(timer);
    });
  },
  { name: 'device-status', dependencies: ['mqtt', 'device-sync'] },
);
