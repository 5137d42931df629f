import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  eventually,
  launchBrowser,
  openPage,
  PHONE,
  putConfig,
  sample,
  screenshot,
  scrollWidth,
  startApp,
} from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const FLEET: [string, Record<string, unknown>][] = [
  ['aa-bb-cc-00-00-03', sample('Kitchen sensor', 'sensor.kitchen', true, { wifi: { ssid: 'home' } })],
  ['aa-bb-cc-00-00-01', sample('Garage door', 'cover.garage', false)],
  ['10-20-30-40-50-60', sample('Attic fan', 'fan.attic', null)],
  ['de-ad-be-ef-00-01', { deviceEntityId: 'light.porch', enableOTA: true }],
];

async function seedFleet(baseUrl: string): Promise<void> {
  for (const [mac, content] of FLEET) await putConfig(baseUrl, mac, content);
}

/** Presses Tab until the element with this test id has the focus, as a keyboard-only user would. */
async function tabTo(page: Page, testId: string): Promise<void> {
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate<string | null>("document.activeElement?.getAttribute('data-testid') ?? null")) === testId) return;
  }
  throw new Error(`Tab never reached ${testId}`);
}

async function shownMacs(page: Page): Promise<string[]> {
  return page.getByTestId('device-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-mac')!));
}

/** The label the header row shows before the sort buttons, as its computed `content` ("none" when there is none). */
async function sortLabel(page: Page): Promise<string> {
  return page.evaluate<string>("getComputedStyle(document.querySelector('.device-table thead tr'), '::before').content");
}

describe('device list', () => {
  it('redirects / to /devices, lists every device with its summary, and shows OTA as icon plus words', async () => {
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    const { page, problems } = await openPage(browser, baseUrl);

    await page.goto('/');
    await eventually(() => new URL(page.url()).pathname).toBe('/devices');
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Device Configs');
    await page.getByTestId('device-table').waitFor();

    await eventually(() => shownMacs(page)).toEqual(['10-20-30-40-50-60', 'aa-bb-cc-00-00-01', 'aa-bb-cc-00-00-03', 'de-ad-be-ef-00-01']);
    expect(await page.getByTestId('device-count').textContent()).toBe('4 devices');
    const kitchen = page.locator('[data-mac="aa-bb-cc-00-00-03"]');
    expect(await kitchen.getByTestId('device-name').textContent()).toBe('Kitchen sensor');
    expect(await kitchen.getByTestId('device-entity-id').textContent()).toBe('sensor.kitchen');
    const ota = await page.getByTestId('ota-badge').evaluateAll((badges) => badges.map((badge) => badge.textContent!.trim()));
    expect(ota).toEqual(['Not set', 'Off', 'On', 'On']);
    expect(await page.locator('[data-mac="de-ad-be-ef-00-01"]').getByTestId('device-name').textContent()).toBe('—');

    await screenshot(page, 'list-desktop');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'list-desktop-dark');
    expect(problems).toEqual([]);
  });

  it('sorts by a column header, ascending then descending with missing values last, and remembers it across reloads', async () => {
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();
    // On a desktop the buttons are the column headers: no label before them.
    expect(await sortLabel(page)).toBe('none');

    await page.getByTestId('sort-device_name').click();
    await eventually(() => shownMacs(page)).toEqual(['10-20-30-40-50-60', 'aa-bb-cc-00-00-01', 'aa-bb-cc-00-00-03', 'de-ad-be-ef-00-01']);
    await eventually(() => page.locator('th[aria-sort="ascending"]').textContent()).toBe('Device name');

    await page.getByTestId('sort-device_name').click();
    // Descending by name; the device without a name stays last.
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-00-00-03', 'aa-bb-cc-00-00-01', '10-20-30-40-50-60', 'de-ad-be-ef-00-01']);
    await eventually(() => page.locator('th[aria-sort="descending"]').textContent()).toBe('Device name');

    await page.getByTestId('sort-enable_ota').click();
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-00-00-01', 'aa-bb-cc-00-00-03', 'de-ad-be-ef-00-01', '10-20-30-40-50-60']);

    await page.getByTestId('sort-enable_ota').click();
    await page.reload();
    await page.getByTestId('device-table').waitFor();
    await eventually(() => page.locator('th[aria-sort="descending"]').textContent()).toBe('OTA');
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-00-00-03', 'de-ad-be-ef-00-01', 'aa-bb-cc-00-00-01', '10-20-30-40-50-60']);
    expect(problems).toEqual([]);
  });

  it('filters as you type by MAC in any format, name or entity ID, and keeps the filter in the URL', async () => {
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();
    const search = page.getByTestId('search');

    await search.fill('AA:BB:CC:00');
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-00-00-01', 'aa-bb-cc-00-00-03']);
    await eventually(() => page.getByTestId('device-count').textContent()).toBe('Showing 2 of 4 devices');
    expect(new URL(page.url()).searchParams.get('q')).toBe('AA:BB:CC:00');

    await search.fill('aabbcc000003');
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-00-00-03']);
    await search.fill('garage');
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-00-00-01']);
    await search.fill('light.');
    await eventually(() => shownMacs(page)).toEqual(['de-ad-be-ef-00-01']);
    await search.fill('nothing like this');
    await page.getByTestId('no-matches').waitFor();

    // A bookmarked search opens filtered.
    await page.goto('/devices?q=fan');
    await page.getByTestId('device-table').waitFor();
    await eventually(() => shownMacs(page)).toEqual(['10-20-30-40-50-60']);
    expect(await search.inputValue()).toBe('fan');
    await eventually(() => page.getByTestId('device-count').textContent()).toBe('Showing 1 of 4 devices');
    expect(problems).toEqual([]);
  });

  it('shows its own "Page not found" at an address typed wrong, with the way back', async () => {
    const { baseUrl } = await startApp();
    const { page, problems } = await openPage(browser, baseUrl);
    const response = await page.goto('/device');
    expect(response?.status()).toBe(404);
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    await page.getByRole('link', { name: 'Back to devices' }).click();
    await page.getByTestId('empty-state').waitFor();
    expect(problems).toEqual([]);
  });

  it('shows an empty state with a New device button, and names skipped files with their reason', async () => {
    const { baseUrl } = await startApp({ seed: { 'notes.txt.json': '{}', 'aa-bb-cc-dd-ee-01.json': '{"deviceName": ' } });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');

    await page.getByTestId('empty-state').waitFor();
    const banner = page.getByTestId('skipped-banner');
    await eventually(() => banner.textContent()).toContain('2 files in the config folder are not listed');
    const skipped = await page.getByTestId('skipped-file').allTextContents();
    expect(skipped).toHaveLength(2);
    expect(skipped.find((line) => line.startsWith('aa-bb-cc-dd-ee-01.json'))).toMatch(/JSON/i);
    expect(skipped.some((line) => line.startsWith('notes.txt.json'))).toBe(true);
    await screenshot(page, 'list-empty-with-skipped');
    // Only the file named like a config can be opened, to repair it.
    expect(await page.getByTestId('repair-link').count()).toBe(1);

    await page.getByTestId('empty-new-device').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/devices/new');
    await page.goBack();
    await page.getByTestId('repair-link').click();
    await page.getByTestId('repair-notice').waitFor();
    expect(new URL(page.url()).pathname).toBe('/devices/aa-bb-cc-dd-ee-01');
    expect(problems).toEqual([]);
  });

  it('shows a loading skeleton, then a clear error with the correlation id when the API fails, and recovers on retry', async () => {
    const parent = await startApp();
    const missing = path.join(parent.dir, 'not-mounted-yet');
    const { baseUrl } = await startApp({ env: { ESP32_CONFIGS_DIR: missing } });
    const { page, problems } = await openPage(browser, baseUrl);

    // Hold the first list call to see the skeleton.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/configs', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/devices');
    await page.getByTestId('list-skeleton').waitFor();
    release();

    const alert = page.getByTestId('error-alert');
    await alert.waitFor();
    await eventually(() => alert.textContent()).toContain('The device list could not be loaded');
    expect(await alert.getAttribute('data-code')).toBe('STORAGE_UNAVAILABLE');
    expect(await page.getByTestId('error-correlation-id').textContent()).toMatch(/^[0-9a-f-]{36}$/);
    await screenshot(page, 'list-error');

    await fs.mkdir(missing);
    await putConfig(baseUrl, 'aa-bb-cc-dd-ee-ff', sample('Recovered', 'sensor.recovered', true));
    await page.getByTestId('retry').click();
    await page.getByTestId('device-table').waitFor();
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-dd-ee-ff']);
    expect(problems).toEqual([]);
  });

  it('keeps the list on screen when a refresh after a dialog fails, with the error above it', async () => {
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await eventually(() => page.getByTestId('device-row').count()).toBe(FLEET.length);

    // The service becomes unreachable: the dialog cannot read the config, and the refresh when it is cancelled fails.
    await page.route('**/api/configs**', (route) => route.abort());
    await page.locator('[data-mac="aa-bb-cc-00-00-01"]').getByTestId('delete-device').click();
    await page.getByTestId('delete-dialog').getByTestId('error-alert').waitFor();
    await page.getByTestId('cancel-delete').click();
    const alert = page.getByTestId('error-alert');
    await eventually(() => alert.textContent()).toContain('The device list could not be refreshed');
    expect(await page.getByTestId('device-row').count()).toBe(FLEET.length);

    await page.unroute('**/api/configs**');
    await putConfig(baseUrl, 'aa-bb-cc-00-00-09', sample('New one', 'sensor.new', true));
    await page.getByTestId('retry').click();
    await eventually(() => page.getByTestId('device-row').count()).toBe(FLEET.length + 1);
    expect(await alert.count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('works from the keyboard alone, with a visible focus ring', async () => {
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();

    await tabTo(page, 'search');
    // Typed fast, every key stays, in the box and in the URL.
    await page.keyboard.type('kitchen sensor');
    await eventually(() => shownMacs(page)).toEqual(['aa-bb-cc-00-00-03']);
    expect(await page.getByTestId('search').inputValue()).toBe('kitchen sensor');
    await eventually(() => new URL(page.url()).searchParams.get('q')).toBe('kitchen sensor');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await tabTo(page, 'sort-device_name');
    await page.keyboard.press('Enter');
    await eventually(() => page.locator('th[aria-sort="ascending"]').textContent()).toBe('Device name');
    const ring = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(ring).toBe('solid');
    await screenshot(page, 'list-keyboard-focus');

    await tabTo(page, 'edit-device');
    await page.keyboard.press('Enter');
    await page.getByTestId('json-editor-input').waitFor();
    expect(new URL(page.url()).pathname).toBe('/devices/10-20-30-40-50-60');
    expect(problems).toEqual([]);
  });

  it('never leaves the focused control hidden under the sticky top bar when tabbing backwards', async () => {
    const { baseUrl } = await startApp();
    for (let index = 0; index < 30; index++) await putConfig(baseUrl, `aa-bb-cc-00-01-${String(index).padStart(2, '0')}`, sample(`Device ${index}`, `sensor.d${index}`, true));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await eventually(() => page.getByTestId('device-row').count()).toBe(30);

    await page.getByTestId('device-mac').nth(25).focus();
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    for (let presses = 0; presses < 40; presses++) {
      await page.keyboard.press('Shift+Tab');
      const [focusTop, barBottom] = await page.evaluate<[number, number]>(
        "[document.activeElement.getBoundingClientRect().top, document.querySelector('.topbar').getBoundingClientRect().bottom]",
      );
      expect(focusTop).toBeGreaterThanOrEqual(barBottom);
    }
    expect(problems).toEqual([]);
  });

  it('moves the focus to the new page\'s heading after a route change or a delete, never to <body>, but not on the first load', async () => {
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    const { page, problems } = await openPage(browser, baseUrl);
    const focused = () => page.evaluate<string>("document.activeElement === document.body ? 'body' : `${document.activeElement.tagName} ${document.activeElement.textContent}`");
    await page.goto('/');
    await page.getByTestId('device-table').waitFor();
    expect(await focused()).toBe('body');

    await page.locator('[data-mac="aa-bb-cc-00-00-01"]').getByTestId('device-mac').focus();
    await page.keyboard.press('Enter');
    await eventually(focused).toBe('H1 Garage door');
    await page.goBack();
    await eventually(focused).toBe('H1 Device Configs');

    // The dialog's opener (the row's delete button) goes with the deleted row.
    await page.locator('[data-mac="aa-bb-cc-00-00-01"]').getByTestId('delete-device').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('confirm-delete').focus();
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('device-row').count()).toBe(FLEET.length - 1);
    await eventually(focused).toBe('H1 Device Configs');
    expect(problems).toEqual([]);
  });

  it('collapses to cards at phone width with every action reachable', async () => {
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    const { page, problems } = await openPage(browser, baseUrl, { viewport: PHONE });
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();

    const width = await scrollWidth(page);
    expect(width).toBeLessThanOrEqual(PHONE.width);
    const row = page.locator('[data-mac="aa-bb-cc-00-00-03"]');
    await row.getByTestId('delete-device').waitFor({ state: 'visible' });
    await row.getByTestId('edit-device').waitFor({ state: 'visible' });
    // The header row stays in the accessibility tree, so each cell keeps its column's name (the selection box one too).
    expect(await page.getByRole('columnheader').count()).toBe(7);
    expect(await row.getByRole('cell').count()).toBe(7);
    // And in sight, as the sort buttons above the cards, which work by touch, under a label saying so.
    expect(await sortLabel(page)).toBe('"Sort by" / ""');
    const byName = page.getByTestId('sort-device_name');
    expect((await byName.boundingBox())!.width).toBeGreaterThan(40);
    await byName.click();
    await byName.click();
    await eventually(() => page.getByTestId('device-row').first().getAttribute('data-mac')).toBe('aa-bb-cc-00-00-03');
    expect(await page.getByRole('columnheader', { name: 'Device name' }).getAttribute('aria-sort')).toBe('descending');
    expect(await page.locator('thead .actions-col').evaluate((cell) => cell.getBoundingClientRect().width)).toBeLessThanOrEqual(1);
    await screenshot(page, 'list-phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'list-phone-dark');
    expect(problems).toEqual([]);
  });

  it('keeps its columns where they are on a desktop when a search narrows the rows, and an entity ID on one line', async () => {
    const { baseUrl } = await startApp();
    // A row with no name, entity ID or OTA flag ("Not set", the widest badge), and rows with long names.
    await putConfig(baseUrl, 'aa-bb-cc-dd-ee-ff', {});
    for (let i = 1; i <= 6; i++) {
      await putConfig(baseUrl, `de-ad-be-ef-00-0${i}`, sample(`Living room lamp with a rather long descriptive name 0${i}`, `light.living_room_lamp_0${i}`, true));
    }
    const { page, problems } = await openPage(browser, baseUrl, { viewport: DESKTOP });
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();
    const columns = `[...document.querySelectorAll('.device-table thead th')].map((th) => Math.round(th.getBoundingClientRect().left))`;
    const entityLines = `(() => {
      const cell = [...document.querySelectorAll('.device-table td')].find((td) => td.textContent === 'light.living_room_lamp_01');
      const range = document.createRange();
      range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    })()`;
    const before = (await page.evaluate(columns)) as number[];
    expect(await page.evaluate(entityLines)).toBe(1);
    await page.getByTestId('search').fill('DEAD:BEEF');
    await eventually(() => page.getByTestId('device-row').count()).toBe(6);
    expect(await page.evaluate(columns)).toEqual(before);
    expect(problems).toEqual([]);
  });

  it("shows the app's whole name in the header from the narrowest phone to a desktop, the header keeping its height", async () => {
    const { baseUrl } = await startApp();
    const { page, problems } = await openPage(browser, baseUrl, { viewport: DESKTOP });
    await page.goto('/devices');
    await page.locator('.brand').waitFor();
    const header = `(() => {
      const name = document.querySelector('.brand > span:last-child');
      return { text: name.textContent, clipped: name.scrollWidth > name.clientWidth || name.scrollHeight > name.clientHeight,
        height: Math.round(document.querySelector('.topbar').getBoundingClientRect().height) };
    })()`;
    const desktop = (await page.evaluate(header)) as { text: string; clipped: boolean; height: number };
    expect(desktop).toMatchObject({ text: 'IoT Config Manager', clipped: false });
    for (const width of [320, 360, 375, PHONE.width, 414, 720]) {
      await page.setViewportSize({ width, height: PHONE.height });
      expect(await page.evaluate(header), `${width} px`).toEqual(desktop);
    }
    await screenshot(page, 'header-narrow-phone');
    expect(problems).toEqual([]);
  });

  it('keeps long names and entity IDs inside the page, on a desktop and on a phone, in the list and the editor', async () => {
    const long = 'upstairs_landing_window_contact_sensor_with_a_very_long_unbroken_name_indeed';
    const { baseUrl } = await startApp();
    await seedFleet(baseUrl);
    await putConfig(baseUrl, 'aa-bb-cc-00-00-09', sample(`Landing_${long}`, `binary_sensor.${long}`, true));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(DESKTOP.width);
    const deleteButton = await page.locator('[data-mac="aa-bb-cc-00-00-09"]').getByTestId('delete-device').boundingBox();
    expect(deleteButton!.x + deleteButton!.width).toBeLessThanOrEqual(DESKTOP.width);
    // The MAC is never split over two lines.
    const macCell = await page.locator('[data-mac="aa-bb-cc-00-00-09"]').getByTestId('device-mac').boundingBox();
    expect(macCell!.height).toBeLessThan(30);
    await screenshot(page, 'list-long-names');

    await page.setViewportSize(PHONE);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.goto('/devices/aa-bb-cc-00-00-09');
    await page.getByTestId('json-editor-input').waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'editor-long-names-phone');
    expect(problems).toEqual([]);
  });

  it('shows a large fleet a page at a time, while search and sort cover all of it', async () => {
    const mac = (i: number) => `24-0a-c4-00-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 0xff).toString(16).padStart(2, '0')}`;
    const seed = Object.fromEntries(
      Array.from({ length: 600 }, (_, i) => [`${mac(i)}.json`, JSON.stringify(sample(`Sensor ${i}`, `sensor.s${i}`, i % 2 === 0))]),
    );
    const { baseUrl } = await startApp({ seed });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('device-table').waitFor();
    expect(await page.getByTestId('device-count').textContent()).toBe('600 devices');
    expect(await page.getByTestId('device-row').count()).toBe(250);
    expect(await page.getByTestId('list-more').textContent()).toContain('Showing the first 250 of 600');
    await page.getByTestId('show-more').click();
    await eventually(() => page.getByTestId('device-row').count()).toBe(500);
    // The focus moves on to the first new row, for a keyboard user.
    expect(await page.evaluate<string | null>("document.activeElement?.closest('[data-mac]')?.getAttribute('data-mac') ?? null")).toBe(mac(250));
    expect(await page.getByTestId('show-more').textContent()).toBe('Show 100 more');
    await page.getByTestId('show-more').click();
    await eventually(() => page.getByTestId('device-row').count()).toBe(600);
    expect(await page.getByTestId('list-more').count()).toBe(0);

    // A new order starts at the first page again, and covers the whole fleet: the last MAC comes first.
    await page.getByTestId('sort-mac_address').click();
    await eventually(() => page.getByTestId('device-row').count()).toBe(250);
    expect((await shownMacs(page))[0]).toBe(mac(599));
    // Back to the first order: the first page again, not the rows opened before.
    await page.getByTestId('sort-mac_address').click();
    await eventually(() => shownMacs(page).then((shown) => shown[0])).toBe(mac(0));
    expect(await page.getByTestId('device-row').count()).toBe(250);
    // So does a search: a device far beyond the first page is found.
    await page.getByTestId('search').fill('Sensor 598');
    await eventually(() => shownMacs(page)).toEqual([mac(598)]);
    expect(problems).toEqual([]);
  });

  it('comes Back from a device to the rows "Show more" opened and the same scroll position', async () => {
    const mac = (i: number) => `24-0a-c4-00-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 0xff).toString(16).padStart(2, '0')}`;
    const seed = Object.fromEntries(
      Array.from({ length: 600 }, (_, i) => [`${mac(i)}.json`, JSON.stringify(sample(`Sensor ${i}`, `sensor.s${i}`, true))]),
    );
    const { baseUrl } = await startApp({ seed });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('show-more').click();
    await eventually(() => page.getByTestId('device-row').count()).toBe(500);
    const row = page.locator(`[data-mac="${mac(400)}"]`);
    await row.scrollIntoViewIfNeeded();
    const scrolled = await page.evaluate<number>('window.scrollY');
    expect(scrolled).toBeGreaterThan(5000);

    await row.getByTestId('device-mac').click();
    await page.getByTestId('json-editor-input').waitFor();
    await page.goBack();
    await eventually(() => page.getByTestId('device-row').count()).toBe(500);
    await eventually(() => page.evaluate<number>('window.scrollY')).toBe(scrolled);
    expect(problems).toEqual([]);
  });
});
