import fs from 'node:fs/promises';
import path from 'node:path';

/** One generated device: its canonical MAC, its config and the exact bytes stored for it. */
export interface Device {
  mac: string;
  content: Record<string, unknown>;
  bytes: Buffer;
}

export interface Fleet {
  dir: string;
  devices: Device[];
  averageBytes: number;
}

/** A small seeded PRNG (mulberry32), so every run benchmarks the same fleet. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROOMS = ['kitchen', 'greenhouse', 'garage', 'attic', 'cellar', 'office', 'bedroom', 'bathroom', 'porch', 'workshop'];
const SENSORS = [
  { type: 'bme280', bus: 'i2c', address: '0x76', measures: ['temperature', 'humidity', 'pressure'] },
  { type: 'sht31', bus: 'i2c', address: '0x44', measures: ['temperature', 'humidity'] },
  { type: 'bh1750', bus: 'i2c', address: '0x23', measures: ['illuminance'] },
  { type: 'ds18b20', bus: 'onewire', address: null, measures: ['temperature'] },
  { type: 'pir', bus: 'gpio', address: null, measures: ['motion'] },
];

/** Espressif's OUI, then three bytes from the index: distinct and canonical. */
export function macOf(index: number): string {
  const bytes = [0x24, 0x0a, 0xc4, (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('-');
}

/** A realistic ESP32 config of about 1.5 KB: name, entity ID, OTA flag, Wi-Fi, MQTT and a sensors array. */
export function deviceConfig(index: number): Record<string, unknown> {
  const rnd = random(index + 1);
  const room = ROOMS[Math.floor(rnd() * ROOMS.length)]!;
  const id = `${room}_${String(index).padStart(5, '0')}`;
  const sensors = [0, 1, 2].map((n) => {
    const sensor = SENSORS[(index + n) % SENSORS.length]!;
    return {
      id: `${id}_${sensor.type}_${n}`,
      type: sensor.type,
      bus: sensor.bus,
      address: sensor.address,
      pin: 4 + n * 2,
      pollIntervalSeconds: [10, 30, 60][n]!,
      measures: sensor.measures,
      calibration: { offset: Math.round((rnd() - 0.5) * 200) / 100, scale: 1 },
      enabled: rnd() > 0.1,
    };
  });
  return {
    deviceName: `${room[0]!.toUpperCase()}${room.slice(1)} node ${index}`,
    deviceEntityId: `sensor.${id}`,
    enableOTA: rnd() > 0.3,
    firmware: { channel: rnd() > 0.8 ? 'beta' : 'stable', minimumVersion: '2.4.1' },
    wifi: {
      ssid: 'homelab-iot',
      password: `wpa2-${Math.floor(rnd() * 1e9).toString(36)}`,
      hostname: `esp32-${id.replace('_', '-')}`,
      staticIp: null,
      powerSave: 'min',
      reconnectSeconds: 15,
    },
    mqtt: {
      host: 'mqtt.home.arpa',
      port: 1883,
      tls: false,
      username: `esp32-${index}`,
      password: Math.floor(rnd() * 1e12).toString(36),
      baseTopic: `home/${room}/${index}`,
      keepAliveSeconds: 60,
      qos: 1,
    },
    sensors,
  };
}

/** Stored as the service itself writes a config: 2-space indent and a trailing newline. */
export function storedBytes(content: Record<string, unknown>): Buffer {
  return Buffer.from(`${JSON.stringify(content, null, 2)}\n`);
}

export async function writeFleet(parent: string, size: number): Promise<Fleet> {
  const dir = path.join(parent, `fleet-${size}`);
  await fs.mkdir(dir, { recursive: true });
  const devices: Device[] = [];
  for (let i = 0; i < size; i++) {
    const content = deviceConfig(i);
    devices.push({ mac: macOf(i), content, bytes: storedBytes(content) });
  }
  // Bounded batches: 10,000 files at once would run out of file handles.
  for (let i = 0; i < devices.length; i += 256) {
    await Promise.all(devices.slice(i, i + 256).map((d) => fs.writeFile(path.join(dir, `${d.mac}.json`), d.bytes)));
  }
  const averageBytes = Math.round(devices.reduce((sum, d) => sum + d.bytes.length, 0) / size);
  return { dir, devices, averageBytes };
}
