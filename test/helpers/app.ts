import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadSettings } from '../../src/settings.js';

/** A fresh empty directory, removed when the test ends. */
export async function tempDir(prefix = 'iot-configs-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The real app on a fresh temp directory (or `env.ESP32_CONFIGS_DIR`), built
 * with the same settings parser and options as the server, closed when the
 * test ends.
 */
export async function buildTestApp(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; dir: string }> {
  const dir = env.ESP32_CONFIGS_DIR ?? (await tempDir());
  const app = await buildApp(loadSettings({ LOG_LEVEL: 'silent', ...env, ESP32_CONFIGS_DIR: dir }));
  onTestFinished(() => app.close());
  await app.ready();
  return { app, dir };
}

export const MAC = 'aa-bb-cc-dd-ee-ff';

export function sampleContent(name = 'Kitchen sensor'): Record<string, unknown> {
  return { deviceName: name, deviceEntityId: 'sensor.kitchen', enableOTA: true, wifi: { ssid: 'home' } };
}
