import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editorJson, eventually, launchBrowser, openEditor, openPage, putConfig, sample, startApp } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const macsShown = (page: Page) => page.getByTestId('device-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-mac')));

describe('fleet search and checks', () => {
  it('finds devices by a value anywhere in their config, showing the match in the row', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen', 'sensor.kitchen', true, { wifi: { ssid: 'HomeIoT-5G' } }));
    await putConfig(baseUrl, 'aa-bb-cc-00-00-02', sample('Garage', 'cover.garage', true, { wifi: { ssid: 'HomeIoT' } }));
    await putConfig(baseUrl, 'aa-bb-cc-00-00-03', sample('Attic', 'fan.attic', true, { wifi: { ssid: 'homeiot-5g-guest' } }));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('HomeIoT-5G');
    await eventually(() => macsShown(page)).toEqual(['aa-bb-cc-00-00-01', 'aa-bb-cc-00-00-03']);
    expect(await page.locator('[data-mac="aa-bb-cc-00-00-01"]').getByTestId('row-match').textContent()).toBe('wifi.ssid: HomeIoT-5G');
    expect(await page.locator('[data-mac="aa-bb-cc-00-00-03"]').getByTestId('row-match').textContent()).toBe('wifi.ssid: homeiot-5g-guest');
    // A match on the summary fields needs no line of its own.
    await page.getByTestId('search').fill('garage');
    await eventually(() => macsShown(page)).toEqual(['aa-bb-cc-00-00-02']);
    expect(await page.getByTestId('row-match').count()).toBe(0);
    // The OTA filter narrows the list too.
    await page.getByTestId('search').fill('');
    await page.getByTestId('ota-filter').selectOption('off');
    await eventually(() => page.getByTestId('no-matches').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('says so when the search of config values stops at its cap', async () => {
    const seed: Record<string, string> = {};
    for (let index = 0; index < 1001; index++) {
      const mac = `02-00-00-00-${(index >> 8).toString(16).padStart(2, '0')}-${(index & 255).toString(16).padStart(2, '0')}`;
      seed[`${mac}.json`] = JSON.stringify(sample(`Sensor ${index}`, `sensor.s${index}`, true, { mqtt: { host: 'broker.lan' } }));
    }
    const { baseUrl } = await startApp({ seed });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices?q=broker.lan');
    await page.getByTestId('search-truncated').waitFor();
    expect(await page.getByTestId('search-truncated').textContent()).toBe('Showing the first 1000 matches of the config values; refine the search to see the others.');
    await eventually(() => page.getByTestId('device-count').textContent()).toBe('Showing 1000 of 1001 devices');
    await page.getByTestId('search').fill('Sensor 1000');
    await eventually(() => page.getByTestId('search-truncated').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('flags a duplicated entity ID in the list and on the device page, and Duplicate leaves it empty in the copy', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen', 'sensor.kitchen', true, { wifi: { hostname: 'kitchen', ssid: 'Home' } }));
    await putConfig(baseUrl, 'aa-bb-cc-00-00-02', sample('Kitchen 2', 'sensor.kitchen', true));
    await putConfig(baseUrl, 'aa-bb-cc-00-00-03', sample('Garage', 'cover.garage', true));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();
    await eventually(() => page.getByTestId('duplicate-badge').count()).toBe(2);
    expect(await page.locator('[data-mac="aa-bb-cc-00-00-01"]').getByTestId('duplicate-badge').textContent()).toContain('deviceEntityId');
    expect(await page.locator('[data-mac="aa-bb-cc-00-00-03"]').getByTestId('duplicate-badge').count()).toBe(0);

    await openEditor(page, 'aa-bb-cc-00-00-01');
    await page.getByTestId('duplicates-alert').waitFor();
    expect(await page.getByTestId('duplicate-item').textContent()).toBe('deviceEntityId = "sensor.kitchen" is also on aa-bb-cc-00-00-02');

    await page.getByTestId('duplicate').click();
    await page.getByTestId('cleared-unique').waitFor();
    expect(await page.getByTestId('cleared-unique').textContent()).toContain('deviceEntityId, wifi.hostname are left empty');
    await eventually(() => editorJson(page)).toEqual(sample('Kitchen', '', true, { wifi: { hostname: '', ssid: 'Home' } }));
    expect(problems).toEqual([]);
  });

  it('clears in a duplicate the values at the service\'s UNIQUE_KEYS, whether or not any is duplicated yet', async () => {
    const { baseUrl } = await startApp({ env: { UNIQUE_KEYS: 'mqtt.host' } });
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen', 'sensor.kitchen', true, { mqtt: { host: 'kitchen.lan' }, wifi: { hostname: 'kitchen' } }));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices/new?from=aa-bb-cc-00-00-01');
    await page.getByTestId('cleared-unique').waitFor();
    expect(await page.getByTestId('cleared-unique').textContent()).toContain('mqtt.host is left empty');
    await eventually(() => editorJson(page)).toEqual(sample('Kitchen', 'sensor.kitchen', true, { mqtt: { host: '' }, wifi: { hostname: 'kitchen' } }));
    expect(problems).toEqual([]);
  });

  it('shows a summary key of the wrong type as such, in the list and the editor, never as missing', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', { deviceName: 42, deviceEntityId: 'sensor.odd', enableOTA: 'yes' });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    const row = page.locator('[data-mac="aa-bb-cc-00-00-01"]');
    await row.waitFor();
    expect(await row.locator('[data-testid="wrong-type"][data-key="enableOTA"]').textContent()).toBe(' yes: not a boolean');
    expect(await row.locator('[data-testid="wrong-type"][data-key="deviceName"]').textContent()).toBe(' 42: not a string');
    expect(await row.getByTestId('ota-badge').count()).toBe(0);

    await openEditor(page, 'aa-bb-cc-00-00-01');
    const summary = page.getByTestId('summary');
    expect(await summary.locator('[data-key="enableOTA"]').textContent()).toBe(' yes: not a boolean');
    expect(await summary.locator('[data-key="deviceName"]').textContent()).toBe(' 42: not a string');
    expect(await summary.textContent()).not.toContain('not set');
    expect(problems).toEqual([]);
  });
});
