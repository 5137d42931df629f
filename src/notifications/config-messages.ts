import { configFileName } from '../domain/mac.js';
import type { ChangeEvent } from '../storage/config-store.js';

/**
 * The payload devices receive. `filename` is the one key existing devices
 * read (the old backend's contract); the other keys are for new clients and
 * are ignored by old ones.
 */
export interface ConfigChangeMessage {
  filename: string;
  mac_address: string;
  /** The config's ETag exactly as the HTTP `ETag` header gives it (quotes included); null after a delete. */
  etag: string | null;
  operation: 'save' | 'delete';
}

/** One MQTT message to publish. */
export interface OutgoingMessage {
  topic: string;
  /** The topic with the MAC replaced by `+`: a metric label of bounded cardinality. */
  topicLabel: string;
  payload: string;
  /** Kept by the broker for later subscribers (a device's sync status); change notifications are not. */
  retain?: boolean;
}

export interface ConfigTopics {
  /** `<prefix>/updates/configs`: every change, the topic existing devices listen on. */
  updates: string;
  /** `<prefix>/devices/+/config`: the per-device topic as a filter (and metric label). */
  deviceFilter: string;
  /** `<prefix>/devices/<mac>/config`: one device's changes. */
  device(mac: string): string;
}

export function configTopics(prefix: string): ConfigTopics {
  return {
    updates: `${prefix}/updates/configs`,
    deviceFilter: `${prefix}/devices/+/config`,
    device: (mac) => `${prefix}/devices/${mac}/config`,
  };
}

function changeMessages(topics: ConfigTopics, message: ConfigChangeMessage): OutgoingMessage[] {
  const payload = JSON.stringify(message);
  return [
    { topic: topics.updates, topicLabel: topics.updates, payload },
    { topic: topics.device(message.mac_address), topicLabel: topics.deviceFilter, payload },
  ];
}

function change(mac: string, etag: string | null, operation: ConfigChangeMessage['operation']): ConfigChangeMessage {
  return { filename: configFileName(mac), mac_address: mac, etag, operation };
}

/**
 * The messages for one stored change, in publish order: each change goes to
 * the shared topic and then to the device's own. A rename is, for devices, a
 * delete of the old MAC's config followed by a save of the new one's.
 */
export function messagesForChange(topics: ConfigTopics, event: ChangeEvent): OutgoingMessage[] {
  switch (event.operation) {
    case 'save':
      return changeMessages(topics, change(event.mac, event.etag, 'save'));
    case 'delete':
      return changeMessages(topics, change(event.mac, null, 'delete'));
    case 'rename':
      return [
        ...changeMessages(topics, change(event.from, null, 'delete')),
        ...changeMessages(topics, change(event.to, event.etag, 'save')),
      ];
  }
}
