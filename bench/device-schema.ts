/**
 * A JSON Schema every config of the benchmark's fleet passes (see fleet.ts), as strict as a real fleet's: every
 * object closed to unknown keys, enums, ranges and a `$ref`. It is also the example of docs/schemas.md.
 */
export const DEVICE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'ESP32 sensor node',
  description: 'Wi-Fi, MQTT and the sensors of a sensor node',
  type: 'object',
  required: ['deviceName', 'wifi', 'mqtt'],
  additionalProperties: false,
  properties: {
    deviceType: { type: 'string', description: 'Names the schema that applies' },
    deviceName: { type: 'string', minLength: 1, maxLength: 64, description: 'Shown in the fleet list' },
    deviceEntityId: { type: 'string', pattern: '^[a-z_]+\\.[a-z0-9_]+$', description: 'Home Assistant entity ID' },
    enableOTA: { type: 'boolean', default: true, description: 'Accept firmware updates over the air' },
    firmware: {
      type: 'object',
      additionalProperties: false,
      properties: {
        channel: { enum: ['stable', 'beta'], default: 'stable', description: 'Update channel' },
        minimumVersion: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
      },
    },
    wifi: {
      type: 'object',
      required: ['ssid'],
      additionalProperties: false,
      properties: {
        ssid: { type: 'string', minLength: 1, maxLength: 32 },
        password: { type: 'string', minLength: 8, maxLength: 63 },
        security: { enum: ['wpa2', 'wpa3'], default: 'wpa2' },
        hostname: { type: 'string', format: 'hostname' },
        staticIp: { anyOf: [{ type: 'null' }, { type: 'string', format: 'ipv4' }] },
        powerSave: { enum: ['none', 'min', 'max'], default: 'min' },
        reconnectSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
      },
    },
    mqtt: {
      type: 'object',
      required: ['host', 'port'],
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1, description: 'Broker host name or address' },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 1883, description: 'Broker port: 1883, or 8883 with TLS' },
        tls: { type: 'boolean', default: false },
        username: { type: 'string' },
        password: { type: 'string' },
        baseTopic: { type: 'string', pattern: '^[^#+]+$', description: 'Topics are <baseTopic>/<measure>' },
        keepAliveSeconds: { type: 'integer', minimum: 5, maximum: 3600 },
        qos: { enum: [0, 1, 2], default: 1 },
      },
    },
    sensors: { type: 'array', maxItems: 16, items: { $ref: '#/$defs/sensor' } },
  },
  $defs: {
    sensor: {
      type: 'object',
      required: ['id', 'type', 'bus'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', minLength: 1 },
        type: { enum: ['bme280', 'sht31', 'bh1750', 'ds18b20', 'pir'], description: 'The sensor\'s chip' },
        bus: { enum: ['i2c', 'onewire', 'gpio'] },
        address: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^0x[0-9a-fA-F]{2}$' }], description: 'I²C address, e.g. 0x76' },
        pin: { type: 'integer', minimum: 0, maximum: 39, description: 'GPIO number' },
        pollIntervalSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
        measures: { type: 'array', uniqueItems: true, items: { enum: ['temperature', 'humidity', 'pressure', 'illuminance', 'motion'] } },
        calibration: {
          type: 'object',
          additionalProperties: false,
          properties: { offset: { type: 'number' }, scale: { type: 'number', exclusiveMinimum: 0 } },
        },
        enabled: { type: 'boolean', default: true },
      },
    },
  },
};
