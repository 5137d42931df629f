import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC, sampleContent } from '../helpers/app.js';
import { listTarGz } from '../helpers/archives.js';

const OTHER = '11-22-33-44-55-66';
const THIRD = '0a-0b-0c-0d-0e-0f';
const ABSENT = '02-00-00-00-00-99';
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const put = (app: App, mac: string, content: unknown) => app.inject({ method: 'PUT', url: `/api/configs/${mac}`, payload: { content } });

async function threeConfigs(): Promise<{ app: App; dir: string }> {
  const built = await buildTestApp();
  for (const mac of [MAC, OTHER, THIRD]) {
    await put(built.app, mac, sampleContent(`${mac} one`));
    await put(built.app, mac, sampleContent(`${mac} two`));
  }
  return built;
}

describe('export of a selection (?macs=)', () => {
  it('holds exactly the configs named, in any MAC spelling, with only their history when asked', async () => {
    const { app, dir } = await threeConfigs();
    const response = await app.inject(`/api/export?macs=${encodeURIComponent('AA:BB:CC:DD:EE:FF,0a0b0c0d0e0f')}&include=history`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-missing-configs']).toBeUndefined();
    const files = await listTarGz(response.rawPayload);
    const names = [...files.keys()];
    expect(names.filter((name) => name.startsWith('configs/'))).toEqual([`configs/${THIRD}.json`, `configs/${MAC}.json`]);
    for (const mac of [MAC, THIRD]) expect(files.get(`configs/${mac}.json`)).toEqual(await fs.readFile(path.join(dir, `${mac}.json`)));
    expect(names.filter((name) => name.startsWith(`history/${MAC}/`))).toHaveLength(2);
    expect(names.filter((name) => name.startsWith(`history/${THIRD}/`))).toHaveLength(2);
    expect(names.filter((name) => name.startsWith(`history/${OTHER}/`))).toEqual([]);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest.count).toBe(2);
    expect(manifest.configs.map((each: { mac_address: string }) => each.mac_address)).toEqual([THIRD, MAC]);
    expect(manifest.skipped).toEqual([]);

    const without = await listTarGz((await app.inject(`/api/export?macs=${OTHER}`)).rawPayload);
    expect([...without.keys()]).toEqual([`configs/${OTHER}.json`, 'manifest.json']);
  });

  it('leaves out a MAC with no config, naming it in a header and in the manifest', async () => {
    const { app } = await threeConfigs();
    const response = await app.inject(`/api/export?macs=${ABSENT},${OTHER}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-missing-configs']).toBe(ABSENT);
    const files = await listTarGz(response.rawPayload);
    expect([...files.keys()]).toEqual([`configs/${OTHER}.json`, 'manifest.json']);
    expect(JSON.parse(files.get('manifest.json')!.toString()).skipped).toEqual([{ file: `${ABSENT}.json`, reason: 'no such config' }]);
  });

  it('refuses a bad, repeated or empty MAC, or too many, with VALIDATION_FAILED and no archive', async () => {
    const { app } = await threeConfigs();
    const refused = async (query: string) => {
      const response = await app.inject(`/api/export?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.correlationId).toEqual(expect.any(String));
      return body;
    };
    const bad = await refused(`macs=${MAC},not-a-mac`);
    expect(bad.error).toMatch(/"not-a-mac" is not a MAC address/);
    expect(bad.details.errors).toEqual([{ field: 'macs', message: '"not-a-mac" is not a MAC address' }]);
    expect((await refused(`macs=${MAC},${MAC.toUpperCase()}`)).error).toMatch(new RegExp(`${MAC} is given twice`));
    expect((await refused(`macs=${MAC},`)).error).toMatch(/"" is not a MAC address/);
    await refused('macs=');
    const many = Array.from({ length: 501 }, (_, i) => `02-00-00-00-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 255).toString(16).padStart(2, '0')}`);
    expect((await refused(`macs=${many.join(',')}`)).error).toMatch(/at most 500/);
    const allowed = await app.inject(`/api/export?macs=${many.slice(0, 500).join(',')}`);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['x-missing-configs']?.toString().split(',')).toHaveLength(500);
  });
});
