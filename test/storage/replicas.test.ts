import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { spawnServer, waitForServer, type ServerProcess } from '../helpers/server-process.js';
import { namesIn } from '../helpers/stored-names.js';
import { waitUntil } from '../helpers/wait-until.js';

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

  it('leave one linear history, one version per 200, in the order the file was replaced', async () => {
    const dir = await tempDir();
    const replicas = await startReplicas(dir, 3);
    const saved: string[] = [];
    // Unconditional writers and If-Match racers at once, spread over the processes.
    for (let round = 0; round < 3; round++) {
      const base = round === 0 ? undefined : (await fetch(`${replicas[0]!.url}/api/configs/${MAC}`)).headers.get('etag')!;
      const writers = Array.from({ length: 18 }, (_, i) => put(replicas[i % 3]!, { round, writer: i }, base !== undefined && i % 2 === 0 ? { 'if-match': base } : {}));
      for (const response of await Promise.all(writers)) if (response.status === 200) saved.push(response.headers.get('etag')!);
    }
    const history = (await (await fetch(`${replicas[2]!.url}/api/configs/${MAC}/history?limit=1000`)).json()) as { versions: { version: number; etag: string }[] };
    const versions = history.versions.reverse();
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    expect(versions.map((v) => v.etag).sort()).toEqual([...saved].sort());
    // The newest version is what the file holds now.
    expect(versions[versions.length - 1]!.etag).toBe((await fetch(`${replicas[1]!.url}/api/configs/${MAC}`)).headers.get('etag'));
    // Each replica's audit log shows every version, those written by the others too: at once for one MAC, within
    // a list's rescan for the fleet.
    for (const replica of replicas) {
      const audit = (await (await fetch(`${replica.url}/api/audit?mac=${MAC}&limit=1000`)).json()) as { entries: unknown[] };
      expect(audit.entries).toHaveLength(saved.length);
    }
    const fleetAudit = async () => ((await (await fetch(`${replicas[0]!.url}/api/audit?limit=1000`)).json()) as { entries: unknown[] }).entries.length;
    await waitUntil(async () => (await fleetAudit()) === saved.length, 'the fleet audit to show every version', 3000);
  });
});
