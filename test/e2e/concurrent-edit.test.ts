import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  editorJson,
  eventually,
  launchBrowser,
  openPage,
  PHONE,
  putConfig,
  readStored,
  sample,
  screenshot,
  setEditorText,
  startApp,
  openEditor,
} from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const MAC = 'aa-bb-cc-dd-ee-01';
const ORIGINAL = sample('Kitchen sensor', 'sensor.kitchen', true, { wifi: { ssid: 'home', channel: 6 }, interval: 30 });
const THEIRS = { ...ORIGINAL, deviceName: 'Kitchen (theirs)', interval: 60 };
const MINE = { ...ORIGINAL, deviceName: 'Kitchen (mine)', enableOTA: false };


/**
 * Two admins open the same config; the other one saves first, then "I" save and get the 412 flow. History is off: the
 * two-way view is what a refused save shows when the history cannot give the opened version (history.test.ts has the
 * three-way merge).
 */
async function raceToConflict(options: { viewport?: { width: number; height: number } } = {}) {
  const running = await startApp({ env: { HISTORY_LIMIT: '0' } });
  await putConfig(running.baseUrl, MAC, ORIGINAL);
  const me = await openPage(browser, running.baseUrl, options);
  const them = await openPage(browser, running.baseUrl);
  await openEditor(me.page, MAC);
  await openEditor(them.page, MAC);

  await setEditorText(them.page, JSON.stringify(THEIRS, null, 2));
  await them.page.getByTestId('save').click();
  await eventually(() => readStored(running.dir, MAC)).toEqual(THEIRS);

  await setEditorText(me.page, JSON.stringify(MINE, null, 2));
  await me.page.getByTestId('save').click();
  await me.page.getByTestId('conflict-panel').waitFor();
  return { ...running, me, them };
}

describe('concurrent edits', () => {
  it('a save over a colleague\'s newer save gets the 412 flow: the difference, then overwrite', async () => {
    const { dir, me } = await raceToConflict();
    const { page, problems } = me;
    expect(await page.getByTestId('conflict-panel').textContent()).toContain('changed since you opened it');
    // Nothing of mine was written, and my text is still in the editor.
    expect(await readStored(dir, MAC)).toEqual(THEIRS);
    await eventually(() => editorJson(page)).toEqual(MINE);
    // The panel decides now: Save (and Ctrl+S) would only send the stale ETag again.
    expect(await page.getByTestId('save').isDisabled()).toBe(true);

    await page.getByTestId('show-diff').click();
    const diff = page.getByTestId('diff-view');
    await diff.waitFor();
    expect(await diff.getAttribute('data-layout')).toBe('split');
    await eventually(() => diff.locator('.cm-merge-a').textContent()).toContain('Kitchen (theirs)');
    expect(await diff.locator('.cm-merge-b').textContent()).toContain('Kitchen (mine)');
    expect(await diff.locator('.cm-merge-a .cm-changedLine').count()).toBeGreaterThan(0);
    await screenshot(page, 'conflict-desktop');

    await page.getByTestId('diff-layout-unified').click();
    await eventually(() => diff.getAttribute('data-layout')).toBe('unified');
    await diff.locator('.cm-deletedChunk').first().waitFor();
    expect(await diff.textContent()).toContain('Kitchen (theirs)');
    await screenshot(page, 'conflict-desktop-unified');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId('diff-layout-split').click();
    await screenshot(page, 'conflict-desktop-dark');

    await page.getByTestId('overwrite').click();
    await eventually(() => page.getByTestId('toast').last().textContent()).toContain(`Saved ${MAC}`);
    expect(await readStored(dir, MAC)).toEqual(MINE);
    expect(await page.getByTestId('conflict-panel').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('offers to drop my edit and load the stored version instead (phone width)', async () => {
    const { dir, me } = await raceToConflict({ viewport: PHONE });
    const { page, problems } = me;
    await page.getByTestId('show-diff').click();
    const diff = page.getByTestId('diff-view');
    await diff.waitFor();
    // Narrow screens start with the unified difference.
    expect(await diff.getAttribute('data-layout')).toBe('unified');
    await screenshot(page, 'conflict-phone');

    await page.getByTestId('reload-latest').click();
    await eventually(() => editorJson(page)).toEqual(THEIRS);
    expect(await page.getByTestId('conflict-panel').count()).toBe(0);
    expect(await page.getByTestId('save').isDisabled()).toBe(true);
    expect(await readStored(dir, MAC)).toEqual(THEIRS);

    // The reloaded version carries the new ETag: the next save goes through.
    const next = { ...THEIRS, interval: 90 };
    await setEditorText(page, JSON.stringify(next, null, 2));
    await page.getByTestId('save').click();
    await eventually(() => readStored(dir, MAC)).toEqual(next);
    expect(problems).toEqual([]);
  });

  it('says the stored version could not be loaded when that fails, not that the config was not saved, and keeps my text', async () => {
    const { dir, me } = await raceToConflict();
    const { page, problems } = me;
    await page.route(`**/api/configs/${MAC}`, (route) =>
      route.request().method() === 'GET'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error: 'Config storage is busy, retry later: EBUSY', code: 'STORAGE_BUSY', details: {}, correlationId: 'busy-1' }),
          })
        : route.fallback(),
    );
    await page.getByTestId('reload-latest').click();
    const alert = page.getByTestId('error-alert');
    await alert.waitFor();
    expect(await alert.locator('.alert-title').textContent()).toBe('The stored version could not be loaded');
    expect(await page.getByTestId('error-message').textContent()).toBe('Config storage is busy, retry later: EBUSY');
    await eventually(() => editorJson(page)).toEqual(MINE);
    expect(await page.getByTestId('conflict-panel').count()).toBe(1);
    expect(await readStored(dir, MAC)).toEqual(THEIRS);

    await page.unroute(`**/api/configs/${MAC}`);
    await page.getByTestId('overwrite').click();
    await eventually(() => page.getByTestId('error-alert').count()).toBe(0);
    await eventually(() => readStored(dir, MAC)).toEqual(MINE);
    expect(problems).toEqual([]);
  });

  it('a config deleted by someone else is saved again only when asked', async () => {
    const running = await startApp();
    await putConfig(running.baseUrl, MAC, ORIGINAL);
    const { page, problems } = await openPage(browser, running.baseUrl);
    await openEditor(page, MAC);
    await fetch(`${running.baseUrl}/api/configs/${MAC}`, { method: 'DELETE' });

    await setEditorText(page, JSON.stringify(MINE, null, 2));
    await page.getByTestId('save').click();
    const panel = page.getByTestId('conflict-panel');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('deleted since you opened it');
    expect(await panel.textContent()).toContain('Save it again to create the config anew');
    // There is no stored version to compare with or load.
    expect(await page.getByTestId('show-diff').count()).toBe(0);
    expect(await page.getByTestId('reload-latest').count()).toBe(0);
    expect(await readStored(running.dir, MAC)).toBeNull();

    // Someone creates it anew before I save again: now it is a change to compare with, not a dead end.
    await putConfig(running.baseUrl, MAC, THEIRS);
    await page.getByTestId('overwrite').click();
    await eventually(() => panel.textContent()).toContain('changed since you opened it');
    await eventually(() => page.getByTestId('diff-view').locator('.cm-merge-a').textContent()).toContain('Kitchen (theirs)');
    expect(await readStored(running.dir, MAC)).toEqual(THEIRS);

    await page.getByTestId('overwrite').click();
    await eventually(() => readStored(running.dir, MAC)).toEqual(MINE);
    expect(problems).toEqual([]);
  });

  it('a rename or delete refused because someone changed the config shows their version, or the conflict when I have edits', async () => {
    const running = await startApp();
    await putConfig(running.baseUrl, MAC, ORIGINAL);
    const { page, problems } = await openPage(browser, running.baseUrl);
    await openEditor(page, MAC);

    // No edits of mine: the refused rename just shows the stored version, whose ETag then works.
    await putConfig(running.baseUrl, MAC, THEIRS);
    await page.getByTestId('rename').click();
    await page.getByTestId('rename-mac').fill('aa-bb-cc-dd-ee-99');
    await page.getByTestId('confirm-rename').click();
    await eventually(() => page.getByTestId('rename-dialog').count()).toBe(0);
    await eventually(() => editorJson(page)).toEqual(THEIRS);
    expect(await page.getByTestId('toast').last().textContent()).toContain('changed since you opened it');
    expect(await readStored(running.dir, MAC)).toEqual(THEIRS);

    // With edits: the refused delete leads to the conflict panel, my text kept, nothing deleted.
    await putConfig(running.baseUrl, MAC, ORIGINAL);
    await setEditorText(page, JSON.stringify(MINE, null, 2));
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await page.getByTestId('conflict-panel').waitFor();
    expect(await page.getByTestId('delete-dialog').count()).toBe(0);
    await eventually(() => editorJson(page)).toEqual(MINE);
    expect(await readStored(running.dir, MAC)).toEqual(ORIGINAL);
    expect(problems).toEqual([]);
  });

  it('keeps the "Nothing was done" error toast while it is hovered or focused, and longer than a success toast', async () => {
    const running = await startApp();
    await putConfig(running.baseUrl, MAC, ORIGINAL);
    const { page, problems } = await openPage(browser, running.baseUrl);
    await page.clock.install();
    await openEditor(page, MAC);
    // A short success toast first, which the long error toast then stacks on.
    await setEditorText(page, JSON.stringify(MINE, null, 2));
    await page.getByTestId('save').click();
    const saved = page.locator('[data-testid=toast][data-kind=success]');
    await saved.waitFor();
    await putConfig(running.baseUrl, MAC, THEIRS);
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    const toast = page.locator('[data-testid=toast][data-kind=error]');
    await toast.waitFor();
    expect(await toast.textContent()).toContain('changed since you opened it');
    // Stacked, each is as wide as its own words, at the same right edge: the short one does not cover more of the page.
    const [savedBox, errorBox] = [(await saved.boundingBox())!, (await toast.boundingBox())!];
    expect(savedBox.width).toBeLessThan(errorBox.width - 100);
    expect(savedBox.x + savedBox.width).toBeCloseTo(errorBox.x + errorBox.width, 0);
    await screenshot(page, 'toasts-stacked');

    // After the clock's jump, one task later, React has rendered what the timers did.
    const jump = async (ms: number) => {
      await page.clock.fastForward(ms);
      await page.evaluate('new Promise((done) => { const channel = new MessageChannel(); channel.port1.onmessage = done; channel.port2.postMessage(0); })');
    };
    await toast.hover();
    await jump(60_000);
    expect(await toast.count()).toBe(1);
    await toast.getByRole('button', { name: 'Dismiss' }).focus();
    await page.mouse.move(0, 500);
    await jump(60_000);
    expect(await toast.count()).toBe(1);
    await page.getByTestId('delete').focus();
    await jump(6_000);
    expect(await toast.count()).toBe(1);
    await jump(8_000);
    await eventually(() => toast.count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
