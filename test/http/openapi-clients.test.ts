import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import codegen from 'openapi-typescript-codegen';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { buildTestApp, tempDir } from '../helpers/app.js';

const run = promisify(execFile);

/**
 * A client as the old web UI generated its own (openapi-typescript types with openapi-fetch): it must type-check
 * against the document and work against the live service. The commented lines must fail to type-check, which shows
 * the types are real and that the MAC parameter is `mac_address`, as in the old backend's document.
 */
const FETCH_CLIENT = `
import createClient from 'openapi-fetch';
import type { components, paths } from './openapi-types';

type SaveConfigRequest = components['schemas']['SaveConfigRequest'];
type ErrorCode = components['schemas']['ErrorResponse']['code'];

export function neverCalled(api: ReturnType<typeof createClient<paths>>): void {
  // @ts-expect-error: the path parameter is mac_address
  void api.GET('/api/configs/{mac_address}', { params: { path: { mac: 'aa-bb-cc-dd-ee-01' } } });
  // @ts-expect-error: content is required
  void api.PUT('/api/configs/{mac_address}', { params: { path: { mac_address: 'aa-bb-cc-dd-ee-01' } }, body: { allow_overwrite: true } });
}

async function main(baseUrl: string) {
  const api = createClient<paths>({ baseUrl });
  const path = { mac_address: 'AA:BB:CC:DD:EE:01' };
  const body: SaveConfigRequest = { content: { deviceName: 'Hall' }, allow_overwrite: false };
  const saved = await api.PUT('/api/configs/{mac_address}', { params: { path }, body });
  if (saved.data === undefined) throw new Error('save failed: ' + saved.error.code);
  await api.PUT('/api/configs/{mac_address}', { params: { path: { mac_address: 'aa-bb-cc-dd-ee-02' } }, body: { content: { deviceName: 'Porch' } } });
  const again = await api.PUT('/api/configs/{mac_address}', { params: { path }, body });
  const conflict: ErrorCode | undefined = again.error?.code;
  const listed = await api.GET('/api/configs');
  const names = (listed.data?.configs ?? []).map((each) => each.mac_address + ' ' + (each.device_name ?? ''));
  const removed = await api.DELETE('/api/configs/{mac_address}', { params: { path } });
  const gone = await api.GET('/api/configs/{mac_address}', { params: { path } });
  return {
    saved: [saved.response.status, saved.data.mac_address, saved.data.device_name, saved.response.headers.get('etag')],
    conflict: [again.response.status, conflict],
    listed: names,
    deleted: removed.response.status,
    gone: [gone.response.status, gone.error?.code],
  };
}

main(process.argv[2]!).then((result) => console.log(JSON.stringify(result)));
`;

/** The same with a client in the style of openapi-typescript-codegen: one service per tag, a method per operationId. */
const CODEGEN_CLIENT = `
import { ApiError, ConfigsService, OpenAPI, type ErrorResponse, type SaveConfigRequest } from './codegen';

async function main(baseUrl: string) {
  OpenAPI.BASE = baseUrl;
  const macAddress = 'aa-bb-cc-dd-ee-03';
  const requestBody: SaveConfigRequest = { content: { deviceName: 'Attic', enableOTA: true } };
  const saved = await ConfigsService.putConfigsByMacAddress({ macAddress, requestBody });
  const listed = (await ConfigsService.getConfigs()).configs.map((each) => each.mac_address);
  await ConfigsService.deleteConfigsByMacAddress({ macAddress });
  let gone: [number, ErrorResponse['code']] | null = null;
  try {
    await ConfigsService.getConfigsByMacAddress({ macAddress });
  } catch (error) {
    if (error instanceof ApiError) gone = [error.status, (error.body as ErrorResponse).code];
  }
  return { saved: [saved.mac_address, saved.enable_ota], listed, gone };
}

main(process.argv[2]!).then((result) => console.log(JSON.stringify(result)));
`;

/** Type-checks the files with the compiler API and emits them as CommonJS; throws with the diagnostics on an error. */
function compile(dir: string, rootNames: string[]): void {
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    skipLibCheck: true,
    outDir: path.join(dir, 'out'),
    rootDir: dir,
  };
  const program = ts.createProgram(rootNames.map((name) => path.join(dir, name)), options);
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (name: string) => name, getCurrentDirectory: () => dir, getNewLine: () => '\n' };
    throw new Error(ts.formatDiagnostics(diagnostics, host));
  }
}

describe('clients generated from the OpenAPI document', () => {
  it('type-check and list, save and delete configs against the live service', { timeout: 120_000 }, async () => {
    const { app, dir: configDir } = await buildTestApp();
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const doc = (await (await fetch(`${baseUrl}/api/docs/openapi.json`)).json()) as OpenAPI3;

    const dir = await tempDir('openapi-clients-');
    await fs.symlink(path.resolve('node_modules'), path.join(dir, 'node_modules'), 'dir');
    await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    await fs.writeFile(path.join(dir, 'openapi-types.ts'), astToString(await openapiTS(structuredClone(doc))));
    await codegen.generate({ input: structuredClone(doc), output: path.join(dir, 'codegen'), httpClient: 'fetch', useOptions: true, useUnionTypes: true });
    await fs.writeFile(path.join(dir, 'fetch-client.ts'), FETCH_CLIENT);
    await fs.writeFile(path.join(dir, 'codegen-client.ts'), CODEGEN_CLIENT);
    compile(dir, ['fetch-client.ts', 'codegen-client.ts', 'codegen/index.ts']);

    const runClient = async (name: string) => JSON.parse((await run(process.execPath, [path.join(dir, 'out', name), baseUrl])).stdout) as unknown;
    const fetchResult = await runClient('fetch-client.js');
    expect(fetchResult).toEqual({
      saved: [200, 'aa-bb-cc-dd-ee-01', 'Hall', expect.stringMatching(/^".+"$/)],
      conflict: [409, 'RECORD_EXISTS'],
      listed: ['aa-bb-cc-dd-ee-01 Hall', 'aa-bb-cc-dd-ee-02 Porch'],
      deleted: 204,
      gone: [404, 'RECORD_NOT_FOUND'],
    });
    expect(await runClient('codegen-client.js')).toEqual({
      saved: ['aa-bb-cc-dd-ee-03', true],
      listed: ['aa-bb-cc-dd-ee-02', 'aa-bb-cc-dd-ee-03'],
      gone: [404, 'RECORD_NOT_FOUND'],
    });
    // What the clients left on disk: only the config neither deleted.
    expect((await fs.readdir(configDir)).filter((name) => name.endsWith('.json'))).toEqual(['aa-bb-cc-dd-ee-02.json']);
    expect(JSON.parse(await fs.readFile(path.join(configDir, 'aa-bb-cc-dd-ee-02.json'), 'utf8'))).toEqual({ deviceName: 'Porch' });
  });
});
