import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { StorageFull } from '../../src/domain/errors.js';
import { buildTestApp, MAC, sampleContent } from '../helpers/app.js';
import { makeTar, postImport } from '../helpers/archives.js';

const MACS = Array.from({ length: 12 }, (_, i) => `02-00-00-00-00-${i.toString(16).padStart(2, '0')}`);

describe('an import stopped half-way', () => {
  it('leaves every config old or new, and says which were written', async () => {
    const { app, dir } = await buildTestApp();
    for (const mac of MACS) await app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content: sampleContent('old') } });
    const store = app.configStore;
    const save = store.save.bind(store);
    let calls = 0;
    // The fifth write finds the disk full, as a real ENOSPC would be reported.
    vi.spyOn(store, 'save').mockImplementation(async (...args) => {
      calls += 1;
      if (calls === 5) throw new StorageFull();
      return save(...args);
    });
    const archive = await makeTar([...MACS, MAC].map((mac) => ({ name: `${mac}.json`, body: `{"deviceName": "new ${mac}"}` })));
    const response = await postImport(app, archive, 'mode=replace&confirm=0');
    expect(response.statusCode).toBe(507);
    const { code, details } = response.json();
    expect(code).toBe('STORAGE_FULL');
    const written = [...details.done.create, ...details.done.update.map((each: { mac_address: string }) => each.mac_address)];
    expect(written.length).toBeGreaterThanOrEqual(4);
    expect(written.length + details.not_done.length).toBe(MACS.length + 1);
    for (const mac of MACS) {
      const text = await fs.readFile(path.join(dir, `${mac}.json`), 'utf8');
      if (written.includes(mac)) expect(text).toBe(`{"deviceName": "new ${mac}"}`);
      else expect(JSON.parse(text)).toEqual(sampleContent('old'));
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes both routes with binary bodies and errors in the envelope', async () => {
    const { app } = await buildTestApp();
    const doc = (await app.inject('/api/docs/openapi.json')).json();
    const exportRoute = doc.paths['/api/export'].get;
    expect(exportRoute.responses['200'].content['application/gzip'].schema).toEqual({ type: 'string', format: 'binary' });
    expect(exportRoute.responses['503'].content['application/json'].schema.$ref).toMatch(/ErrorResponse/);
    const importRoute = doc.paths['/api/import'].post;
    expect(Object.keys(importRoute.requestBody.content)).toEqual(expect.arrayContaining(['application/gzip', 'application/x-tar', 'application/zip', 'application/octet-stream']));
    expect(importRoute.responses['422'].content['application/json'].schema.$ref).toMatch(/ErrorResponse/);
    expect(importRoute.parameters.map((each: { name: string }) => each.name)).toEqual(expect.arrayContaining(['dry_run', 'mode', 'confirm', 'if_unchanged_since', 'if_match']));
  });
});

describe('an import into a missing directory', () => {
  it('answers 503 in the envelope and writes nothing', async () => {
    const { app, dir } = await buildTestApp();
    await fs.rm(dir, { recursive: true });
    const response = await postImport(app, await makeTar([{ name: `${MAC}.json`, body: '{}' }]), 'mode=replace&dry_run=true');
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('STORAGE_UNAVAILABLE');
    await expect(fs.stat(dir)).rejects.toThrow();
  });
});
