/** The four summary fields the API shows for each config, named as the Python backend named them. */
export interface ConfigSummary {
  mac_address: string;
  device_name: string | null;
  device_entity_id: string | null;
  enable_ota: boolean | null;
}

/** Reads the summary keys from a config's content; a key that is absent or of another type gives null. */
export function summarizeConfig(mac: string, content: Record<string, unknown>): ConfigSummary {
  const field = (key: string) => (Object.hasOwn(content, key) ? content[key] : undefined);
  const name = field('deviceName');
  const entityId = field('deviceEntityId');
  const ota = field('enableOTA');
  return {
    mac_address: mac,
    device_name: typeof name === 'string' ? name : null,
    device_entity_id: typeof entityId === 'string' ? entityId : null,
    enable_ota: typeof ota === 'boolean' ? ota : null,
  };
}
