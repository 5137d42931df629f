import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, type TokenStore } from './client.js';

const noTokens: TokenStore = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };

describe('ApiClient export and import', () => {
  it('downloads the export as a blob under the name the service gave', async () => {
    const client = new ApiClient(noTokens, async () => new Response(new Uint8Array([0x1f, 0x8b]), { status: 200, headers: { 'content-disposition': 'attachment; filename="iot-configs-20260101T000000Z.tar.gz"' } }));
    const { blob, fileName } = await client.exportArchive();
    expect(fileName).toBe('iot-configs-20260101T000000Z.tar.gz');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(new Uint8Array([0x1f, 0x8b]));
  });

  it('asks for the export of the MACs given only', async () => {
    const urls: string[] = [];
    const client = new ApiClient(noTokens, async (url) => {
      urls.push(String(url));
      return new Response(new Uint8Array([0x1f, 0x8b]), { status: 200 });
    });
    expect((await client.exportArchive(['aa-bb-cc-dd-ee-01', 'aa-bb-cc-dd-ee-02'])).fileName).toBe('iot-configs.tar.gz');
    await client.exportArchive();
    expect(urls).toEqual(['/api/export?macs=aa-bb-cc-dd-ee-01%2Caa-bb-cc-dd-ee-02', '/api/export']);
  });

  it('sends the archive as bytes with the options given, and the envelope of a refusal as an ApiError', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const client = new ApiClient(noTokens, async (url, init) => {
      calls.push({ url: String(url), init: init! });
      return calls.length === 1
        ? new Response('{"dry_run":true,"mode":"replace","create":[],"update":[],"unchanged":[],"delete":["aa-bb-cc-dd-ee-ff"],"invalid":[],"conflicts":[]}', { status: 200 })
        : new Response(JSON.stringify({ error: 'no', code: 'IMPORT_NOT_CONFIRMED', details: { deletions: 1 }, correlationId: 'r' }), { status: 409 });
    });
    const archive = new Blob([new Uint8Array([1, 2, 3])]);
    expect((await client.importArchive(archive, { dry_run: true, mode: 'replace' })).delete).toEqual(['aa-bb-cc-dd-ee-ff']);
    expect(calls[0]!.url).toBe('/api/import?dry_run=true&mode=replace');
    expect(calls[0]!.init.body).toBe(archive);
    expect((calls[0]!.init.headers as Record<string, string>)['content-type']).toBe('application/octet-stream');
    const refused = await client.importArchive(archive, { mode: 'replace', confirm: 2 }).catch((error: unknown) => error);
    expect(calls[1]!.url).toBe('/api/import?mode=replace&confirm=2');
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('IMPORT_NOT_CONFIRMED');
  });
});
