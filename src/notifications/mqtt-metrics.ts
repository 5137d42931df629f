import { Counter, Gauge, type Registry } from 'prom-client';
import type { MqttStatus, PublishStatus } from './mqtt-options.js';

/** What the MQTT gauges read at scrape time. */
export interface MqttMetricsSource {
  status(): MqttStatus;
  queueDepth(): number;
}

/**
 * The MQTT metrics, in the app's registry. Gauges are read from the notifier
 * at scrape time; counters are fed by its callbacks.
 */
export function createMqttMetrics(registry: Registry, source: MqttMetricsSource) {
  const publishes = new Counter({
    name: 'iot_mqtt_publish_total',
    help: 'Config notifications acknowledged (success) or rejected (error) by the MQTT broker, by topic (per-device topics as <prefix>/devices/+/config)',
    labelNames: ['topic', 'status'] as const,
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'iot_mqtt_dropped_total',
    help: 'Config notifications given up on: the oldest when the offline queue is full, and those unsent at shutdown',
    registers: [registry],
  });
  new Gauge({
    name: 'iot_mqtt_enabled',
    help: '1 when MQTT notifications are configured (MQTT_URL set), else 0',
    registers: [registry],
    collect() {
      this.set(source.status().enabled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'iot_mqtt_connection_state',
    help: '1 while connected to the MQTT broker, else 0',
    registers: [registry],
    collect() {
      this.set(source.status().connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'iot_mqtt_queue_depth',
    help: 'Config notifications not yet acknowledged by the MQTT broker (queued or in flight)',
    registers: [registry],
    collect() {
      this.set(source.queueDepth());
    },
  });
  return {
    published(topic: string, status: PublishStatus): void {
      publishes.inc({ topic, status });
    },
    dropped(count: number): void {
      dropped.inc(count);
    },
    /** Shows both topics at 0 from the start, so rates and alerts work before the first change. */
    initialiseTopics(topics: readonly string[]): void {
      for (const topic of topics) {
        for (const status of ['success', 'error'] as const) publishes.inc({ topic, status }, 0);
      }
    },
  };
}
