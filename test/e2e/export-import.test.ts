import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { eventually, launchBrowser, openPage, putConfig, sample, screenshot, startApp, storedFiles } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const MACS = ['aa-bb-cc-dd-ee-01', 'aa-bb-cc-dd-ee-02', 'aa-bb-cc-dd-ee-03'];

describe('export and import in the browser', () => {
  it('exports, and after two configs are deleted imports the export: plan, diff, apply, both back', async () => {
    const { baseUrl, dir } = await startApp();
    for (const [i, mac] of MACS.entries()) await putConfig(baseUrl, mac, sample(`Device ${i}`, `sensor.device_${i}`, true));
    const original = new Map(await Promise.all(MACS.map(async (mac) => [mac, await fs.readFile(path.join(dir, `${mac}.json`))] as const)));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/');
    await page.getByTestId('device-count').waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-configs').click()]);
    expect(download.suggestedFilename()).toMatch(/^iot-configs-\d{8}T\d{6}Z\.tar\.gz$/);
    const saved = path.join(await tempDir(), download.suggestedFilename());
    await download.saveAs(saved);

    // Two configs deleted, a third changed, after the export.
    for (const mac of MACS.slice(0, 2)) expect((await fetch(`${baseUrl}/api/configs/${mac}`, { method: 'DELETE' })).status).toBe(204);
    await putConfig(baseUrl, MACS[2]!, sample('Changed since', 'sensor.device_2', false));
    await page.reload();
    await eventually(() => page.getByTestId('device-count').textContent()).toBe('1 device');

    await page.getByTestId('import-file').setInputFiles(saved);
    const dialog = page.getByTestId('import-dialog');
    await eventually(() => dialog.getByTestId('import-summary').textContent()).toBe('2 to create, 1 to update, 0 to delete, 0 unchanged, 0 invalid, 0 conflicts');
    expect(await dialog.locator('[data-testid="plan-row"][data-action="create"]').allTextContents()).toEqual([`Create${MACS[0]}`, `Create${MACS[1]}`]);
    // Nothing is written before the person confirms.
    expect(await storedFiles(dir)).toEqual([`${MACS[2]}.json`]);

    await dialog.getByTestId('show-diff').click();
    await eventually(() => dialog.getByTestId('diff-view').textContent()).toContain('Changed since');
    await screenshot(page, 'import-plan');

    // Replace mode would delete nothing here; the apply button needs no typed count.
    await dialog.getByTestId('apply-import').click();
    await eventually(() => dialog.getByTestId('import-result').textContent()).toBe('2 created, 1 updated, 0 deleted, 0 unchanged, 0 invalid, 0 conflicts');
    await dialog.getByTestId('close-import').click();
    await eventually(() => page.getByTestId('device-count').textContent()).toBe('3 devices');
    for (const mac of MACS) expect(await fs.readFile(path.join(dir, `${mac}.json`))).toEqual(original.get(mac));
    expect(problems).toEqual([]);
  });

  it('asks to type the number of deletions in replace mode before it applies', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MACS[0]!, sample('Kept', 'sensor.kept', true));
    const archive = Buffer.from(await (await fetch(`${baseUrl}/api/export`)).arrayBuffer());
    const saved = path.join(await tempDir(), 'backup.tar.gz');
    await fs.writeFile(saved, archive);
    await putConfig(baseUrl, MACS[1]!, sample('Extra', 'sensor.extra', true));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/');
    await page.getByTestId('import-file').setInputFiles(saved);
    const dialog = page.getByTestId('import-dialog');
    await dialog.getByTestId('import-summary').waitFor();
    await dialog.getByTestId('mode-replace').check();
    await eventually(() => dialog.getByTestId('import-summary').textContent()).toContain('1 to delete');
    expect(await dialog.getByTestId('apply-import').isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-deletions').fill('2');
    expect(await dialog.getByTestId('apply-import').isDisabled()).toBe(true);
    await dialog.getByTestId('confirm-deletions').fill('1');
    await dialog.getByTestId('apply-import').click();
    await eventually(() => dialog.getByTestId('import-result').textContent()).toContain('1 deleted');
    expect(await storedFiles(dir)).toEqual([`${MACS[0]}.json`]);
    expect(problems).toEqual([]);
  });
});
