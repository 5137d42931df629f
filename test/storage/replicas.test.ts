import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { spawnServer, waitForServer, type ServerProcess } from '../helpers/server-process.js';
import { namesIn } from '../helpers/stored-names.js';

const MAC = 'aa-bb-cc-dd-ee-ff';

async function startReplicas(dir: string, count: number): Promise<ServerProcess[]> {
  const replicas: ServerProcess[] = [];
  for (let i = 0; i < count; i++) replicas.push(spawnServer({ PORT: String(await freePort()), ESP32_CONFIGS_DIR: dir }));
  await Promise.all(replicas.map((replica) => waitForServer(replica)));
  return replicas;
}

function put(replica: ServerProcess, content: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${replica.url}/api/configs/${MAC}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ content }),
  });
}

describe('three server processes sharing one directory', () => {
  it('give exactly one 200 among concurrent If-Match writers spread over the processes', async () => {
    const dir = await tempDir();
    const replicas = await startReplicas(dir, 3);
    for (let round = 0; round < 3; round++) {
      const current = await fetch(`${replicas[0]!.url}/api/configs/${MAC}`);
      const etag = current.status === 200 ? current.headers.get('etag')! : undefined;
      if (etag === undefined) expect((await put(replicas[0]!, { round: -1 })).status).toBe(200);
      const base = etag ?? (await fetch(`${replicas[0]!.url}/api/configs/${MAC}`)).headers.get('etag')!;
      const writers = Array.from({ length: 24 }, (_, i) => put(replicas[i % 3]!, { round, writer: i }, { 'if-match': base }));
      const statuses = (await Promise.all(writers)).map((r) => r.status);
      expect(statuses.filter((s) => s === 200), `round ${round}: ${statuses.join(',')}`).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(23);
    }
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
  });

  it('keep the file one complete document under concurrent unconditional writes, and see each other\'s writes', async () => {
    const dir = await tempDir();
    const replicas = await startReplicas(dir, 3);
    const bodies = Array.from({ length: 45 }, (_, i) => ({ writer: i, blob: 'y'.repeat(1000 + i * 3001) }));
    const statuses = await Promise.all(bodies.map((content, i) => put(replicas[i % 3]!, content).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const stored = await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8');
    expect(bodies.map((b) => `${JSON.stringify(b, null, 2)}\n`)).toContain(stored);

    // A write through one replica shows in another's list within 2 seconds.
    await fetch(`${replicas[1]!.url}/api/configs`);
    await put(replicas[0]!, { deviceName: 'seen elsewhere' });
    const started = Date.now();
    let seen = false;
    while (!seen && Date.now() - started < 2500) {
      const list = (await (await fetch(`${replicas[1]!.url}/api/configs`)).json()) as { configs: { device_name: string | null }[] };
      seen = list.configs[0]?.device_name === 'seen elsewhere';
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen).toBe(true);
    expect(Date.now() - started).toBeLessThanOrEqual(2000);
    expect(await namesIn(dir)).toEqual([`${MAC}.json`]);
  });
});
