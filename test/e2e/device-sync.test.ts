import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editorJson, eventually, launchBrowser, openEditor, openPage, pathOf, putConfig, sample, screenshot, setEditorText, startApp } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const MAC = 'aa-bb-cc-dd-ee-01';
const OTHER = 'aa-bb-cc-dd-ee-02';
const UNKNOWN = '11-22-33-44-55-66';

/** A device fetching its config as the ESP32 firmware does: with the ETag it holds, if any. Returns the status and the ETag it now holds. */
async function deviceFetch(baseUrl: string, mac: string, held?: string): Promise<{ status: number; etag: string | null }> {
  const response = await fetch(`${baseUrl}/api/configs/${mac}.json`, { headers: { 'user-agent': 'ESP32HTTPClient/1.2', ...(held ? { 'if-none-match': held } : {}) } });
  await response.arrayBuffer();
  return { status: response.status, etag: response.headers.get('etag') };
}

/** Marks the document, so that a reload (which would make the test meaningless) is seen. */
async function markDocument(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => ((globalThis as unknown as { syncMarker: number }).syncMarker = 1));
  return () => page.evaluate(() => (globalThis as unknown as { syncMarker?: number }).syncMarker === 1);
}

describe('device sync status', () => {
  it('goes from Pending to In sync on the device page, without a reload, when the device fetches the saved change', async () => {
    const { baseUrl } = await startApp();
    const first = await putConfig(baseUrl, MAC, sample('Kitchen sensor', 'sensor.kitchen', true));
    expect(await deviceFetch(baseUrl, MAC)).toEqual({ status: 200, etag: first });

    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    const status = page.getByTestId('device-sync-status');
    await eventually(() => status.getAttribute('data-state')).toBe('in_sync');
    expect(await status.textContent()).toMatch(/^\s*In sync/);
    expect(await page.getByTestId('device-sync-detail').textContent()).toMatch(/Last fetch just now from 127\.0\.0\.1 · 1 fetch$/);
    const sameDocument = await markDocument(page);

    // Save a change in the editor.
    await setEditorText(page, JSON.stringify(sample('Kitchen sensor', 'sensor.kitchen', false), null, 2));
    await page.getByTestId('save').click();
    await eventually(() => status.getAttribute('data-state')).toBe('pending');
    expect(await status.textContent()).toMatch(/^\s*Pending/);
    await screenshot(page, 'device-sync-pending');

    // The device asks with the ETag it holds and gets the new config; its next poll is a 304.
    const fetched = await deviceFetch(baseUrl, MAC, first);
    expect(fetched.status).toBe(200);
    expect(fetched.etag).not.toBe(first);
    expect((await deviceFetch(baseUrl, MAC, fetched.etag!)).status).toBe(304);

    await eventually(() => status.getAttribute('data-state')).toBe('in_sync');
    expect(await page.getByTestId('device-sync-detail').textContent()).toMatch(/· 3 fetches$/);
    expect(await sameDocument()).toBe(true);
    expect(await editorJson(page)).toMatchObject({ enableOTA: false });
    expect(problems).toEqual([]);
  });

  it('shows a Status column in the list, with a tooltip, sortable and filterable', async () => {
    const { baseUrl } = await startApp();
    const etag = await putConfig(baseUrl, MAC, sample('Kitchen', 'sensor.kitchen', true));
    await deviceFetch(baseUrl, MAC);
    await putConfig(baseUrl, OTHER, sample('Hall', 'sensor.hall', true));
    await putConfig(baseUrl, MAC, sample('Kitchen', 'sensor.kitchen', false), { 'if-match': etag });

    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    const statusOf = (mac: string) => page.locator(`[data-testid="device-row"][data-mac="${mac}"] [data-testid="sync-status"]`);
    await eventually(() => statusOf(MAC).getAttribute('data-state')).toBe('pending');
    expect(await statusOf(MAC).getAttribute('title')).toBe('Last fetch just now from 127.0.0.1');
    expect(await statusOf(OTHER).textContent()).toMatch(/^\s*Never fetched/);

    await page.getByTestId('status-filter').selectOption('pending');
    await eventually(() => page.getByTestId('device-row').count()).toBe(1);
    expect(await page.getByTestId('device-row').getAttribute('data-mac')).toBe(MAC);
    expect(new URL(page.url()).searchParams.get('status')).toBe('pending');
    await page.getByTestId('status-filter').selectOption('in_sync');
    await eventually(() => page.getByTestId('no-matches').isVisible()).toBe(true);
    await page.getByTestId('status-filter').selectOption('');

    // Sorted by status, descending: never fetched (Hall) before pending (Kitchen).
    await page.getByTestId('sort-status').click();
    await page.getByTestId('sort-status').click();
    await eventually(() => page.getByTestId('device-row').first().getAttribute('data-mac')).toBe(OTHER);
    await screenshot(page, 'device-list-status');
    expect(problems).toEqual([]);
  });

  it('lists devices that asked without a config, and opens the new-device page for one with its MAC filled in', async () => {
    const { baseUrl } = await startApp();
    expect((await deviceFetch(baseUrl, UNKNOWN)).status).toBe(404);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('nav-unknown-devices').click();
    const row = page.locator(`[data-testid="unknown-row"][data-mac="${UNKNOWN}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('ESP32HTTPClient/1.2');
    await screenshot(page, 'unknown-devices');
    await row.getByTestId('create-config').click();
    await page.getByTestId('json-editor-input').waitFor();
    expect(pathOf(page)).toBe('/devices/new');
    expect(await page.getByTestId('mac-input').inputValue()).toBe(UNKNOWN);
    expect(problems).toEqual([]);
  });
});
