import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { spawnServer, waitForServer } from '../helpers/server-process.js';

const MAC = 'aa-bb-cc-dd-ee-ff';
const json = { 'content-type': 'application/json' };

describe('schemas shared by server processes on one directory', () => {
  it('a schema saved on one replica refuses a bad save on another within 2 s, and its deletion frees it', async () => {
    const dir = await tempDir();
    const [a, b] = [spawnServer({ PORT: String(await freePort()), ESP32_CONFIGS_DIR: dir }), spawnServer({ PORT: String(await freePort()), ESP32_CONFIGS_DIR: dir })];
    await Promise.all([waitForServer(a!), waitForServer(b!)]);
    const putConfig = () => fetch(`${b!.url}/api/configs/${MAC}`, { method: 'PUT', headers: json, body: JSON.stringify({ content: { port: 'x' } }) });
    // B has read the (empty) schema folder, so what follows is a change it must notice, not a first read.
    expect((await putConfig()).status).toBe(200);

    const saved = await fetch(`${a!.url}/api/schemas/default`, { method: 'PUT', headers: json, body: JSON.stringify({ properties: { port: { type: 'integer' } } }) });
    expect(saved.status).toBe(200);
    const savedAt = Date.now();
    let refusedAt: number | null = null;
    while (Date.now() - savedAt < 2_000) {
      const res = await putConfig();
      if (res.status === 400) {
        expect(((await res.json()) as { details: { errors: unknown } }).details.errors).toEqual([{ pointer: '/port', message: 'must be a whole number', keyword: 'type' }]);
        refusedAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(refusedAt, 'replica B still accepted the bad config 2 s after the schema was saved on A').not.toBeNull();
    const listed = (await (await fetch(`${b!.url}/api/configs`)).json()) as { configs: { validation: unknown }[] };
    expect(listed.configs[0]!.validation).toEqual({ schema: 'default', valid: false, error_count: 1 });

    expect((await fetch(`${a!.url}/api/schemas/default`, { method: 'DELETE' })).status).toBe(204);
    const deletedAt = Date.now();
    let acceptedAgain = false;
    while (!acceptedAgain && Date.now() - deletedAt < 2_000) {
      acceptedAgain = (await putConfig()).status === 200;
      if (!acceptedAgain) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(acceptedAgain).toBe(true);
  });
});
