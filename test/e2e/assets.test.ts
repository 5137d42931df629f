import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { makeSigningKeys, multipartBody, sha256Hex, signedUpload, writeKeyFiles } from '../helpers/assets.js';
import { launchBrowser, openPage, screenshot, setSessionItem, startApp } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const CONTENT = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256));
const ADMIN = 'admin-token-0123456789abcdef';

/** Uploads over HTTP as a signing script does. */
async function uploadOverHttp(baseUrl: string, parts: ReturnType<typeof signedUpload>, headers: Record<string, string> = {}) {
  const body = multipartBody(parts);
  const response = await fetch(`${baseUrl}/api/assets`, { method: 'POST', body: body.payload, headers: { ...body.headers, ...headers } });
  return { status: response.status, body: await response.json() };
}

describe('Assets page', () => {
  it('lists an uploaded file with size, date and hash, and downloads it through its link', async () => {
    const keys = makeSigningKeys();
    const { privatePem } = await writeKeyFiles(keys);
    const assetsDir = await tempDir('iot-assets-');
    const { baseUrl } = await startApp({ env: { SIGNING_KEY_PATH: privatePem, ASSETS_DIR: assetsDir, ADMIN_TOKEN: ADMIN, DEVICE_TOKEN: 'device-token-0123456789abcdef' } });
    const uploaded = await uploadOverHttp(baseUrl, signedUpload(keys.privateKey, { filename: 'ota-2.1.0.bin', content: CONTENT, withSha: true }), { authorization: `Bearer ${ADMIN}` });
    expect(uploaded.status).toBe(200);

    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await setSessionItem(page, 'iot-config-manager.admin-token', ADMIN);
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assets' }).click();
    const row = page.getByTestId('asset-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-filename')).toBe('ota-2.1.0.bin');
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('ota-2.1.0.bin');
    expect(cells[1]).toBe('293 KiB');
    expect(cells[2]).toBe('just now');
    const hash = page.getByTestId('asset-sha');
    expect(await hash.textContent()).toBe(`${sha256Hex(CONTENT).slice(0, 12)}…`);
    expect(await hash.getAttribute('title')).toBe(sha256Hex(CONTENT));
    expect(await page.getByRole('columnheader').allTextContents()).toEqual(['File', 'Size', 'Uploaded', 'SHA-256', 'Download']);
    expect(await page.getByRole('link', { name: 'API docs' }).count()).toBeGreaterThan(0);
    await screenshot(page, 'assets-page');

    // The link works with the tokens set: the download carries the admin token and gives the stored bytes.
    const link = page.getByTestId('asset-download');
    expect(await link.getAttribute('href')).toBe('/api/assets/ota-2.1.0.bin');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('ota-2.1.0.bin');
    const saved = path.join(await tempDir('iot-download-'), 'saved.bin');
    await download.saveAs(saved);
    expect(await fs.readFile(saved)).toEqual(CONTENT);
    expect(problems).toEqual([]);
  });

  it('says how to upload when there is nothing yet', async () => {
    const { baseUrl } = await startApp({ env: { ASSETS_DIR: await tempDir('iot-assets-') } });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/assets');
    await page.getByTestId('assets-empty').waitFor();
    expect(await page.getByTestId('assets-page').textContent()).toContain('docs/assets.md');
    expect(problems).toEqual([]);
  });
});
