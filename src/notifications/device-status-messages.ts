import { SYNC_STATES } from '../domain/sync-state.js';
import type { ConfigSyncState } from '../storage/device-sync.js';
import type { OutgoingMessage } from './config-messages.js';

/** The retained payload of `<prefix>/devices/<mac>/status` (docs/mqtt.md). */
export interface DeviceStatusMessage {
  mac_address: string;
  state: ConfigSyncState['state'];
  /** The config's current ETag. */
  etag: string;
  /** The ETag the device holds; null if it never fetched or its last fetch found no config. */
  device_etag: string | null;
  last_fetch_at: string | null;
}

export const statusTopic = (prefix: string, mac: string) => `${prefix}/devices/${mac}/status`;
export const statusTopicFilter = (prefix: string) => `${prefix}/devices/+/status`;

const nodeId = (mac: string) => `iot_config_${mac.replaceAll('-', '')}`;
/** Home Assistant's discovery topic for the sync state sensor of `mac`. */
export const discoveryTopic = (mac: string) => `homeassistant/sensor/${nodeId(mac)}/sync_state/config`;
const DISCOVERY_FILTER = 'homeassistant/sensor/+/sync_state/config';

export function statusMessage(prefix: string, sync: ConfigSyncState): OutgoingMessage {
  const payload: DeviceStatusMessage = {
    mac_address: sync.mac,
    state: sync.state,
    etag: sync.etag,
    device_etag: sync.record?.etag ?? null,
    last_fetch_at: sync.record === undefined ? null : new Date(sync.record.lastFetchAt).toISOString(),
  };
  return { topic: statusTopic(prefix, sync.mac), topicLabel: statusTopicFilter(prefix), payload: JSON.stringify(payload), retain: true };
}

/** A Home Assistant MQTT discovery config: a sensor showing the device's sync state, under a device named as its config. */
export function discoveryMessage(prefix: string, mac: string, deviceName: string | null): OutgoingMessage {
  const payload = {
    name: 'Config sync',
    unique_id: `${nodeId(mac)}_sync_state`,
    state_topic: statusTopic(prefix, mac),
    value_template: '{{ value_json.state }}',
    json_attributes_topic: statusTopic(prefix, mac),
    device_class: 'enum',
    options: [...SYNC_STATES],
    icon: 'mdi:sync',
    device: { identifiers: [nodeId(mac)], connections: [['mac', mac.replaceAll('-', ':')]], name: deviceName ?? mac },
  };
  return { topic: discoveryTopic(mac), topicLabel: DISCOVERY_FILTER, payload: JSON.stringify(payload), retain: true };
}

/** Empty retained messages, which remove the status (and the discovery config) of a config that is gone. */
export function clearedMessages(prefix: string, mac: string, discovery: boolean): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [{ topic: statusTopic(prefix, mac), topicLabel: statusTopicFilter(prefix), payload: '', retain: true }];
  if (discovery) messages.push({ topic: discoveryTopic(mac), topicLabel: DISCOVERY_FILTER, payload: '', retain: true });
  return messages;
}
