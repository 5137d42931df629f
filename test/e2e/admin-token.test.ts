import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  launchBrowser,
  openPage,
  putConfig,
  readStored,
  sample,
  screenshot,
  sessionItem,
  setEditorText,
  setSessionItem,
  startApp,
} from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const TOKEN = 'e2e-admin-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MAC = 'aa-bb-cc-dd-ee-01';
const TOKEN_KEY = 'iot-config-manager.admin-token';

describe('admin token (ADMIN_TOKEN set)', () => {
  it('asks for the token once, retries with it, keeps it for the tab, and sends it on every call', async () => {
    const { baseUrl, dir } = await startApp({ env: { ADMIN_TOKEN: TOKEN } });
    await putConfig(baseUrl, MAC, sample('Kitchen sensor', 'sensor.kitchen', true), AUTH);
    const { page, problems } = await openPage(browser, baseUrl);

    await page.goto('/devices');
    const dialog = page.getByTestId('token-dialog');
    await dialog.waitFor();
    await screenshot(page, 'token-dialog');

    // A wrong token is refused and the dialog asks again, saying so.
    await page.getByTestId('token-input').fill('not-the-token');
    await page.getByTestId('token-submit').click();
    await page.getByTestId('token-rejected').waitFor();
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-input').press('Enter');
    await page.getByTestId('device-table').waitFor();
    expect(await dialog.count()).toBe(0);
    expect(await sessionItem(page, TOKEN_KEY)).toBe(TOKEN);

    // Kept for the tab: a reload and further calls need no new prompt.
    await page.reload();
    await page.getByTestId('device-table').waitFor();
    await page.locator(`[data-mac="${MAC}"]`).getByTestId('device-mac').click();
    await page.getByTestId('json-editor-input').waitFor();
    const edited = sample('Kitchen sensor, authenticated', 'sensor.kitchen', false);
    await setEditorText(page, JSON.stringify(edited, null, 2));
    await page.getByTestId('save').click();
    await eventually(() => readStored(dir, MAC)).toEqual(edited);
    expect(await dialog.count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('asks again when the kept token stops working, and shows the 401 if the person cancels', async () => {
    const { baseUrl } = await startApp({ env: { ADMIN_TOKEN: TOKEN } });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('token-dialog').waitFor();
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-submit').click();
    await page.getByTestId('empty-state').waitFor();

    // The token was rotated on the server: the next call gets a 401 and the dialog comes back.
    await setSessionItem(page, TOKEN_KEY, 'rotated-away');
    await page.getByTestId('new-device').click();
    await page.getByTestId('mac-input').fill(MAC);
    await page.getByTestId('save').click();
    await page.getByTestId('token-rejected').waitFor();
    await page.getByTestId('token-cancel').click();

    const alert = page.getByTestId('error-alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('UNAUTHORIZED');
    expect(await sessionItem(page, TOKEN_KEY)).toBeNull();

    // Saving again asks for the token and then goes through.
    await page.getByTestId('save').click();
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-submit').click();
    await eventually(() => new URL(page.url()).pathname).toBe(`/devices/${MAC}`);
    expect(problems).toEqual([]);
  });
});
