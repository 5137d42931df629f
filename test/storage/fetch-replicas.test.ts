import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { spawnServer, waitForServer, type ServerProcess } from '../helpers/server-process.js';
import { waitUntil } from '../helpers/wait-until.js';

const MAC = 'aa-bb-cc-dd-ee-ff';
const UNKNOWN = '11-22-33-44-55-66';

async function startReplica(dir: string): Promise<ServerProcess> {
  const replica = spawnServer({ PORT: String(await freePort()), ESP32_CONFIGS_DIR: dir });
  await waitForServer(replica);
  return replica;
}

async function fetchState(replica: ServerProcess): Promise<Record<string, unknown>> {
  return ((await (await fetch(`${replica.url}/api/configs/${MAC}`)).json()) as { fetch: Record<string, unknown> }).fetch;
}

function deviceFetch(replica: ServerProcess, mac: string, etag?: string): Promise<Response> {
  return fetch(`${replica.url}/api/configs/${mac}.json`, { headers: { 'user-agent': 'esp32-test', ...(etag ? { 'if-none-match': etag } : {}) } });
}

describe('fetch records shared by replica processes', { timeout: 90_000 }, () => {
  it('show a fetch served by one replica on the two others within 10 s', async () => {
    const dir = await tempDir();
    const replicas = await Promise.all([startReplica(dir), startReplica(dir), startReplica(dir)]);
    const put = await fetch(`${replicas[0]!.url}/api/configs/${MAC}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: { deviceName: 'shared' } }),
    });
    const etag = put.headers.get('etag')!;
    for (const replica of replicas) expect(await fetchState(replica)).toEqual({ state: 'never_fetched' });

    expect((await deviceFetch(replicas[1]!, MAC)).status).toBe(200);
    expect((await deviceFetch(replicas[1]!, UNKNOWN)).status).toBe(404);
    const served = Date.now();
    for (const other of [replicas[0]!, replicas[2]!]) {
      await waitUntil(async () => (await fetchState(other)).state === 'in_sync', 'another replica to see the fetch', 10_000 - (Date.now() - served));
      expect(await fetchState(other)).toMatchObject({ etag, count: 1, user_agent: 'esp32-test' });
    }
    await waitUntil(
      async () => ((await (await fetch(`${replicas[2]!.url}/api/devices/unknown`)).json()) as unknown[]).length === 1,
      'the unknown device on another replica',
      10_000 - (Date.now() - served),
    );

    // A second fetch, through another replica: the count is summed over replicas.
    expect((await deviceFetch(replicas[2]!, MAC, etag)).status).toBe(304);
    await waitUntil(async () => (await fetchState(replicas[0]!)).count === 2, 'the count summed over replicas', 10_000);
  });

  it('keep the records across a graceful restart', async () => {
    const dir = await tempDir();
    const first = await startReplica(dir);
    await fetch(`${first.url}/api/configs/${MAC}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"content":{}}' });
    await deviceFetch(first, MAC);
    await deviceFetch(first, MAC);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const restarted = await startReplica(dir);
    await waitUntil(async () => (await fetchState(restarted)).count === 2, 'the records after a restart', 10_000);
    expect(await fetchState(restarted)).toMatchObject({ state: 'in_sync', client: '127.0.0.1' });
  });
});
