import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, type TokenStore } from './client.js';

class MemoryStore implements TokenStore {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

const envelope = (status: number, code: string, error = 'nope') =>
  new Response(JSON.stringify({ error, code, details: {}, correlationId: 'req-1' }), { status, headers: { 'content-type': 'application/json' } });

describe('ApiClient', () => {
  it('sends the editor text as the content verbatim, with If-Match, and returns the ETag', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const client = new ApiClient(new MemoryStore(), async (url, init) => {
      calls.push({ url: String(url), init: init! });
      return new Response('{"mac_address":"aa-bb-cc-dd-ee-ff","device_name":null,"device_entity_id":null,"enable_ota":null,"content":{}}', {
        status: 200,
        headers: { etag: '"v2"' },
      });
    });
    const saved = await client.saveConfig('aa-bb-cc-dd-ee-ff', '{ "price": 1.50 }', { ifMatch: '"v1"' });
    expect(saved.etag).toBe('"v2"');
    expect(calls[0]!.url).toBe('/api/configs/aa-bb-cc-dd-ee-ff');
    expect(calls[0]!.init.body).toBe('{"content":{ "price": 1.50 }}');
    expect((calls[0]!.init.headers as Record<string, string>)['if-match']).toBe('"v1"');

    await client.saveConfig('aa-bb-cc-dd-ee-ff', '{}', { allowOverwrite: false });
    expect(calls[1]!.init.body).toBe('{"content":{},"allow_overwrite":false}');
  });

  it('asks for history, audit pages and restores with only the filters given, and If-Match on a restore', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const client = new ApiClient(new MemoryStore(), async (url, init) => {
      calls.push({ url: String(url), init: init! });
      return new Response('{"entries":[],"next_cursor":null}', { status: 200, headers: { etag: '"v9"' } });
    });
    await client.getHistory('aa-bb-cc-dd-ee-ff', { limit: 50, before: 7 });
    await client.getHistory('aa-bb-cc-dd-ee-ff');
    await client.listAudit({ mac: 'aa-bb-cc-dd-ee-ff', actor: '', operation: 'delete', since: '2026-12-01T00:00:00.000Z', cursor: 'a b' });
    const restored = await client.restoreVersion('aa-bb-cc-dd-ee-ff', 3, '"v8"');
    await client.restoreVersion('aa-bb-cc-dd-ee-ff', 2);
    expect(calls.map((call) => `${call.init.method} ${call.url}`)).toEqual([
      'GET /api/configs/aa-bb-cc-dd-ee-ff/history?limit=50&before=7',
      'GET /api/configs/aa-bb-cc-dd-ee-ff/history',
      'GET /api/audit?mac=aa-bb-cc-dd-ee-ff&operation=delete&since=2026-12-01T00%3A00%3A00.000Z&cursor=a+b',
      'POST /api/configs/aa-bb-cc-dd-ee-ff/history/3/restore',
      'POST /api/configs/aa-bb-cc-dd-ee-ff/history/2/restore',
    ]);
    expect((calls[3]!.init.headers as Record<string, string>)['if-match']).toBe('"v8"');
    expect((calls[4]!.init.headers as Record<string, string>)['if-match']).toBeUndefined();
    expect(restored.etag).toBe('"v9"');
  });

  it('turns an error envelope into an ApiError, and a network failure or foreign error page too', async () => {
    const failing = new ApiClient(new MemoryStore(), async () => envelope(409, 'RECORD_EXISTS', 'Config for x already exists'));
    const error = await failing.listConfigs().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'RECORD_EXISTS', message: 'Config for x already exists', correlationId: 'req-1' });

    const offline = new ApiClient(new MemoryStore(), async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(offline.listConfigs()).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });

    const proxy = new ApiClient(new MemoryStore(), async () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(proxy.listConfigs()).rejects.toMatchObject({ status: 502, message: 'The service answered 502 Bad Gateway' });
  });

  it('on a 401 asks for a token once for concurrent calls, keeps it, and sends it from then on', async () => {
    const store = new MemoryStore();
    const seen: (string | undefined)[] = [];
    const client = new ApiClient(store, async (_url, init) => {
      const auth = (init!.headers as Record<string, string>).authorization;
      seen.push(auth);
      return auth === 'Bearer right' ? new Response('{"configs":[],"count":0,"skipped":[]}') : envelope(401, 'UNAUTHORIZED');
    });
    let prompts = 0;
    client.setTokenPrompt(async () => {
      prompts += 1;
      return 'right';
    });
    await Promise.all([client.listConfigs(), client.listConfigs()]);
    expect(prompts).toBe(1);
    expect(store.getItem('iot-config-manager.admin-token')).toBe('right');
    await client.listConfigs();
    expect(seen.at(-1)).toBe('Bearer right');
  });

  it('drops a refused token, says it was refused, and gives up with the 401 when the person cancels', async () => {
    const store = new MemoryStore();
    store.setItem('iot-config-manager.admin-token', 'stale');
    const client = new ApiClient(store, async () => envelope(401, 'UNAUTHORIZED'));
    const asked: boolean[] = [];
    client.setTokenPrompt(async (rejected) => {
      asked.push(rejected);
      return null;
    });
    await expect(client.listConfigs()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(asked).toEqual([true]);
    expect(store.getItem('iot-config-manager.admin-token')).toBeNull();
  });
});
