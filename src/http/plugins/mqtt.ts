import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Settings } from '../../settings.js';
import { createMqttMetrics } from '../../notifications/mqtt-metrics.js';
import { assetTopic } from '../../notifications/asset-messages.js';
import type { OutgoingMessage } from '../../notifications/config-messages.js';
import type { MqttNotifier } from '../../notifications/mqtt-notifier.js';
import type { MqttStatus } from '../../notifications/mqtt-options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** MQTT change notifications: whether they are on and the broker is connected. */
    mqtt: {
      status(): MqttStatus;
      /** Sets retained states on the notifier's connection (see MqttNotifier.publishState); nothing when MQTT is off. */
      publishState(messages: OutgoingMessage[]): void;
      /** Queues change messages in order with the config changes' (see MqttNotifier.publish); nothing when MQTT is off. */
      publish(messages: OutgoingMessage[]): void;
      /** The topic prefix; null when MQTT is off. */
      topicPrefix: string | null;
    };
  }
}

/**
 * Publishes an MQTT message after every stored config change, when MQTT_URL
 * is set. Without it, no client is created and nothing connects. The broker
 * is connected in the background once the app is ready; a broker that is down
 * never delays start-up, a request or shutdown (see MqttNotifier).
 */
export default fp(
  async function mqttNotifications(app: FastifyInstance, options: { settings: Settings }) {
    const settings = options.settings.mqtt;
    let notifier: MqttNotifier | null = null;
    const status = (): MqttStatus => ({ enabled: notifier !== null, connected: notifier?.connected ?? false });
    const metrics = createMqttMetrics(app.metrics.registry, { status, queueDepth: () => notifier?.queueDepth ?? 0 });
    app.decorate('mqtt', {
      status,
      publishState: (messages: OutgoingMessage[]) => notifier?.publishState(messages),
      publish: (messages: OutgoingMessage[]) => notifier?.publish(messages),
      topicPrefix: settings?.topicPrefix ?? null,
    });
    if (settings === null) return;

    // Loaded only when MQTT is on: a service without a broker does not carry the MQTT client library in memory.
    const { MqttNotifier } = await import('../../notifications/mqtt-notifier.js');
    notifier = new MqttNotifier({
      ...settings,
      logger: app.log.child({ component: 'mqtt' }),
      onPublished: (topic, publishStatus) => metrics.published(topic, publishStatus),
      onDropped: (count) => metrics.dropped(count),
    });
    metrics.initialiseTopics([notifier.topics.updates, notifier.topics.deviceFilter, assetTopic(settings.topicPrefix)]);
    const active = notifier;
    const stopListening = app.configStore.onChange((event) => active.notify(event));

    app.addHook('onReady', async () => active.start());
    app.addHook('onClose', async () => {
      stopListening();
      await active.close();
    });
  },
  { name: 'mqtt', dependencies: ['config-store', 'metrics'] },
);
