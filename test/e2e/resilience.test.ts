import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, pathOf, screenshot, startApp } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe('when the service fails the UI', () => {
  it('says a page whose code did not load could not be loaded, keeps the navigation, and Reload recovers', async () => {
    const { baseUrl } = await startApp();
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('empty-state').waitFor();

    // A redeploy removed the old build's chunk (or the service is down): the lazy page's import fails.
    const chunk = '**/static/new-device-page-*.js';
    await page.route(chunk, (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"code":"ROUTE_NOT_FOUND"}' }));
    await page.getByTestId('new-device').click();
    const failed = page.getByTestId('route-error');
    await failed.waitFor();
    expect(await failed.getByRole('heading', { level: 1 }).textContent()).toBe('This page could not be loaded');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices', exact: true }).isVisible()).toBe(true);
    expect(await page.getByText('Unexpected Application Error').count()).toBe(0);
    await screenshot(page, 'route-error');

    await page.unroute(chunk);
    await page.getByTestId('reload').click();
    await page.getByTestId('new-device-page').waitFor();
    expect(pathOf(page)).toBe('/devices/new');
    expect(problems).toEqual([]);
  });
});
