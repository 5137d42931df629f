import fs from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTarGz } from '../helpers/archives.js';
import { eventually, launchBrowser, openPage, pathOf, putConfig, readStored, recordWrites, sample, setSessionItem, startApp } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const ADMIN = 'admin-token-0123456789abcdef';
const macOf = (index: number) => `aa-bb-cc-00-01-${index.toString(16).padStart(2, '0')}`;

describe('bulk changes', () => {
  it('previews a set on 20 devices, applies it with the preview ETags, and keeps a device changed meanwhile', async () => {
    const { baseUrl, dir } = await startApp();
    for (let index = 0; index < 20; index++) {
      await putConfig(baseUrl, macOf(index), sample(`Sensor ${index}`, `sensor.s${index}`, true, { mqtt: { host: index === 7 ? 'mqtt2.home.lan' : 'mqtt.home.lan' } }));
    }
    await putConfig(baseUrl, 'ff-00-00-00-00-01', sample('Lamp', 'light.lamp', true, { mqtt: { host: 'mqtt.home.lan' } }));
    const { page, problems } = await openPage(browser, baseUrl);
    const writes = recordWrites(page);
    await page.goto('/devices?q=Sensor');
    await eventually(() => page.getByTestId('device-row').count()).toBe(20);

    // Two clicks with shift select a range; the header box then selects all 20 matching the search.
    await page.getByTestId('select-device').nth(0).click();
    await page.getByTestId('select-device').nth(4).click({ modifiers: ['Shift'] });
    await eventually(() => page.getByTestId('selected-count').textContent()).toBe('5 selected');
    await page.getByTestId('select-all').check();
    await eventually(() => page.getByTestId('selected-count').textContent()).toBe('20 selected');

    await page.getByTestId('bulk-change').click();
    await page.getByTestId('bulk-path').fill('mqtt.host');
    await page.getByTestId('bulk-value').fill('mqtt2.home.lan');
    expect(await page.getByTestId('bulk-value-type').textContent()).toContain('a string');
    await page.getByTestId('bulk-preview').click();
    await eventually(() => page.getByTestId('bulk-summary').textContent()).toBe('19 would change, 1 unchanged.');
    const first = page.locator(`[data-testid="bulk-result"][data-mac="${macOf(0)}"]`);
    expect(await first.textContent()).toContain('mqtt.host: "mqtt.home.lan" → "mqtt2.home.lan"');
    expect(await page.getByTestId('bulk-unchanged').textContent()).toContain('1 device would not change');
    expect(writes.filter((call) => !call.path.startsWith('/api/configs/bulk'))).toEqual([]);
    expect(await readStored(dir, macOf(0))).toMatchObject({ mqtt: { host: 'mqtt.home.lan' } });

    // Someone changes one device after the preview.
    await putConfig(baseUrl, macOf(3), sample('Sensor 3', 'sensor.s3', false, { mqtt: { host: 'mqtt.home.lan' } }));
    await page.getByTestId('bulk-apply').click();
    await eventually(() => page.getByTestId('bulk-summary').textContent()).toBe('18 saved, 0 unchanged, 1 changed meanwhile.');
    expect(await page.locator(`[data-testid="bulk-result"][data-mac="${macOf(3)}"]`).getAttribute('data-status')).toBe('conflict');
    expect(await page.locator(`[data-testid="bulk-result"][data-mac="${macOf(3)}"]`).textContent()).toContain('Changed meanwhile');
    const applied = writes.filter((call) => call.path === '/api/configs/bulk').map((call) => JSON.parse(call.body!) as { macs: string[]; if_match?: Record<string, string> });
    expect(applied.at(-1)!.macs).toHaveLength(19);
    expect(Object.keys(applied.at(-1)!.if_match!)).toEqual(applied.at(-1)!.macs);
    expect(await readStored(dir, macOf(3))).toEqual(sample('Sensor 3', 'sensor.s3', false, { mqtt: { host: 'mqtt.home.lan' } }));
    expect(await readStored(dir, macOf(0))).toMatchObject({ mqtt: { host: 'mqtt2.home.lan' } });
    expect(await readStored(dir, 'ff-00-00-00-00-01')).toMatchObject({ mqtt: { host: 'mqtt.home.lan' } });

    // The one not saved is previewed again, and then applied.
    await page.getByTestId('bulk-retry').click();
    await eventually(() => page.getByTestId('bulk-summary').textContent()).toBe('1 would change, 0 unchanged.');
    await page.getByTestId('bulk-apply').click();
    await eventually(() => page.getByTestId('bulk-summary').textContent()).toBe('1 saved, 0 unchanged.');
    expect(await readStored(dir, macOf(3))).toMatchObject({ enableOTA: false, mqtt: { host: 'mqtt2.home.lan' } });
    expect(problems).toEqual([]);
  });

  it('exports only the selected devices, with the admin token', async () => {
    const { baseUrl, dir } = await startApp({ env: { ADMIN_TOKEN: ADMIN } });
    const headers = { authorization: `Bearer ${ADMIN}` };
    for (let index = 0; index < 4; index++) await putConfig(baseUrl, macOf(index), sample(`S${index}`, `sensor.s${index}`, true), headers);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await setSessionItem(page, 'iot-config-manager.admin-token', ADMIN);
    await page.reload();
    await eventually(() => page.getByTestId('device-row').count()).toBe(4);
    await page.getByTestId('select-device').nth(1).click();
    await page.getByTestId('select-device').nth(3).click();
    await eventually(() => page.getByTestId('selected-count').textContent()).toBe('2 selected');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bulk-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^iot-configs-\d{8}T\d{6}Z\.tar\.gz$/);
    const files = await listTarGz(await fs.readFile((await download.path())!));
    expect([...files.keys()]).toEqual([`configs/${macOf(1)}.json`, `configs/${macOf(3)}.json`, 'manifest.json']);
    expect(files.get(`configs/${macOf(3)}.json`)).toEqual(await fs.readFile(`${dir}/${macOf(3)}.json`));
    expect(JSON.parse(files.get('manifest.json')!.toString()).count).toBe(2);
    expect(problems).toEqual([]);
  });

  it('removes a key and applies a merge patch', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, macOf(1), sample('A', 'sensor.a', true, { legacy: 1 }));
    await putConfig(baseUrl, macOf(2), sample('B', 'sensor.b', true, { legacy: 2 }));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('select-all').check();
    await page.getByTestId('bulk-change').click();
    await page.getByTestId('bulk-mode-unset').click();
    await page.getByTestId('bulk-path').fill('legacy');
    await page.getByTestId('bulk-preview').click();
    await eventually(() => page.getByTestId('bulk-summary').textContent()).toBe('2 would change, 0 unchanged.');
    await page.getByTestId('bulk-apply').click();
    await eventually(() => page.getByTestId('bulk-summary').textContent()).toBe('2 saved, 0 unchanged.');
    expect(await readStored(dir, macOf(1))).toEqual(sample('A', 'sensor.a', true));
    await page.getByTestId('bulk-close').click();

    await page.getByTestId('bulk-change').click();
    await page.getByTestId('bulk-mode-patch').click();
    await page.getByTestId('bulk-patch').fill('{"wifi": {"ssid": "HomeIoT"}, "enableOTA": null}');
    await page.getByTestId('bulk-preview').click();
    await page.getByTestId('bulk-apply').click();
    await eventually(() => page.getByTestId('bulk-summary').textContent()).toBe('2 saved, 0 unchanged.');
    expect(await readStored(dir, macOf(2))).toEqual({ deviceName: 'B', deviceEntityId: 'sensor.b', wifi: { ssid: 'HomeIoT' } });
    expect(problems).toEqual([]);
  });

  it('deletes the selection after the count is typed, keeping a device changed meanwhile', async () => {
    const { baseUrl, dir } = await startApp();
    for (let index = 0; index < 3; index++) await putConfig(baseUrl, macOf(index), sample(`S${index}`, `sensor.s${index}`, true));
    const { page, problems } = await openPage(browser, baseUrl);
    const writes = recordWrites(page);
    await page.goto('/devices');
    await page.getByTestId('select-all').check();
    await page.getByTestId('bulk-delete').click();
    const confirm = page.getByTestId('bulk-delete-confirm');
    await page.getByTestId('bulk-delete-count').fill('2');
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByTestId('bulk-delete-count').fill('3');
    await eventually(() => confirm.isEnabled()).toBe(true);
    await putConfig(baseUrl, macOf(1), sample('S1', 'sensor.s1', false));
    await confirm.click();
    await eventually(() => page.getByTestId('bulk-delete-result').count()).toBe(3);
    expect(await page.locator(`[data-testid="bulk-delete-result"][data-mac="${macOf(1)}"]`).getAttribute('data-status')).toBe('conflict');
    expect(await readStored(dir, macOf(0))).toBeNull();
    expect(await readStored(dir, macOf(1))).toEqual(sample('S1', 'sensor.s1', false));
    expect(writes.filter((call) => call.method === 'DELETE').every((call) => call.ifMatch?.startsWith('"'))).toBe(true);
    expect(pathOf(page)).toBe('/devices');
    expect(problems).toEqual([]);
  });
});
