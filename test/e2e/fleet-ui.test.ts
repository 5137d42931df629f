import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  editorText,
  eventually,
  launchBrowser,
  openEditor,
  openPage,
  pathOf,
  PHONE,
  putConfig,
  readStored,
  recordWrites,
  sample,
  setEditorText,
  startApp,
} from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe('device list and editor', () => {
  it('opens the device from anywhere in its row, and from anywhere in its card on a phone', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen', 'sensor.kitchen', true));
    for (const viewport of [undefined, PHONE]) {
      const { page, problems } = await openPage(browser, baseUrl, { viewport });
      await page.goto('/devices');
      // A click on the entity ID's cell, as a person's: the MAC's link covers the row, so Playwright's own click refuses.
      const cell = (await page.getByTestId('device-entity-id').boundingBox())!;
      await page.mouse.click(cell.x + cell.width / 2, cell.y + cell.height / 2);
      await eventually(() => pathOf(page)).toBe('/devices/aa-bb-cc-00-00-01');
      // Devices stays marked in the navigation on a device's page.
      expect(await page.getByTestId('nav-devices').getAttribute('aria-current')).toBe('page');
      await page.goBack();
      // The checkbox and the actions keep their own click; on a phone each is a 44 px target.
      await page.getByTestId('select-device').click();
      expect(pathOf(page)).toBe('/devices');
      expect(await page.getByTestId('selected-count').textContent()).toBe('1 selected');
      if (viewport) {
        for (const target of ['edit-device', 'delete-device']) {
          const box = (await page.getByTestId(target).boundingBox())!;
          expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(44);
        }
        const check = (await page.locator('.select-cell .row-check').boundingBox())!;
        expect(Math.min(check.width, check.height)).toBeGreaterThanOrEqual(44);
      }
      expect(problems).toEqual([]);
    }
  });

  it('refreshes the list on its own after a change through the API, keeping the selection', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen', 'sensor.kitchen', true));
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('select-device').click();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-02', sample('Garage', 'cover.garage', false));
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen ceiling', 'sensor.kitchen', true));
    await expect.poll(() => page.getByTestId('device-row').count(), { timeout: 25_000, interval: 200 }).toBe(2);
    await eventually(() => page.locator('[data-mac="aa-bb-cc-00-00-01"]').getByTestId('device-name').textContent()).toBe('Kitchen ceiling');
    expect(await page.getByTestId('selected-count').textContent()).toBe('1 selected');
    expect(await page.locator('[data-mac="aa-bb-cc-00-00-01"]').getByTestId('select-device').isChecked()).toBe(true);
    expect(problems).toEqual([]);
  });

  it('folds the list of skipped files and remembers it; "/" focuses the search', async () => {
    const { baseUrl } = await startApp({ seed: { 'aa-bb-cc-00-00-09.json': '{ broken' } });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('skipped-file').waitFor();
    await page.getByTestId('skipped-toggle').click();
    expect(await page.getByTestId('skipped-file').count()).toBe(0);
    expect(await page.getByTestId('skipped-toggle').getAttribute('aria-expanded')).toBe('false');
    await page.reload();
    await page.getByTestId('skipped-toggle').waitFor();
    expect(await page.getByTestId('skipped-file').count()).toBe(0);
    await page.keyboard.press('/');
    expect(await page.evaluate<string | null>("document.activeElement?.getAttribute('data-testid') ?? null")).toBe('search');
    expect(problems).toEqual([]);
  });

  it('masks secrets in the editor until revealed, and saves their bytes untouched', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen', 'sensor.kitchen', true, { wifi: { ssid: 'HomeIoT', password: 'hunter2-wifi' }, mqtt: { token: 'tk-123' } }));
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, 'aa-bb-cc-00-00-01');
    const shown = () => page.getByTestId('json-editor-input').innerText();
    await eventually(() => page.getByTestId('secret-mask').count()).toBe(2);
    expect(await shown()).not.toContain('hunter2-wifi');
    expect(await shown()).not.toContain('tk-123');
    expect(await shown()).toContain('HomeIoT');
    await page.getByTestId('reveal-secrets').click();
    await eventually(() => shown()).toContain('hunter2-wifi');
    await page.getByTestId('reveal-secrets').click();
    await eventually(() => page.getByTestId('secret-mask').count()).toBe(2);

    // An edit elsewhere, typed in place, saves the masked values' bytes as they are.
    await page.locator('.cm-line', { hasText: 'deviceName' }).click();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.type(' 2');
    await page.getByTestId('save').click();
    await eventually(async () => (await readStored(dir, 'aa-bb-cc-00-00-01'))?.deviceName).toBe('Kitchen 2');
    expect(await readStored(dir, 'aa-bb-cc-00-00-01')).toMatchObject({ wifi: { password: 'hunter2-wifi' }, mqtt: { token: 'tk-123' } });
    expect(problems).toEqual([]);
  });

  it('shows the difference before a save, can skip it from then on, and discards edits', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, 'aa-bb-cc-00-00-01', sample('Kitchen', 'sensor.kitchen', true));
    const { page, problems } = await openPage(browser, baseUrl, { reviewBeforeSave: true });
    const writes = recordWrites(page);
    await openEditor(page, 'aa-bb-cc-00-00-01');
    const original = await editorText(page);

    await setEditorText(page, original.replace('"Kitchen"', '"Kitchen 2"'));
    await page.getByTestId('discard-edits').click();
    await eventually(() => editorText(page)).toBe(original);
    expect(await page.getByTestId('discard-edits').isDisabled()).toBe(true);

    await setEditorText(page, original.replace('"Kitchen"', '"Kitchen 2"'));
    await page.getByTestId('save').click();
    const dialog = page.getByTestId('review-dialog');
    await dialog.getByTestId('diff-view').waitFor();
    expect(await dialog.textContent()).toContain('Kitchen 2');
    expect(writes).toEqual([]);
    await dialog.getByTestId('review-cancel').click();
    expect(writes).toEqual([]);

    await page.getByTestId('save').click();
    await page.getByTestId('review-skip').check();
    await page.getByTestId('review-save').click();
    await eventually(async () => (await readStored(dir, 'aa-bb-cc-00-00-01'))?.deviceName).toBe('Kitchen 2');

    // Remembered: the next save writes at once.
    await page.reload();
    await page.getByTestId('json-editor-input').waitFor();
    expect(await page.getByTestId('review-toggle').locator('input').isChecked()).toBe(false);
    await setEditorText(page, (await editorText(page)).replace('"Kitchen 2"', '"Kitchen 3"'));
    await page.getByTestId('save').click();
    await eventually(async () => (await readStored(dir, 'aa-bb-cc-00-00-01'))?.deviceName).toBe('Kitchen 3');
    expect(await page.getByTestId('review-dialog').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
