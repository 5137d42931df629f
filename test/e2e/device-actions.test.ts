import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contrastRatio,
  editorJson,
  editorText,
  eventually,
  launchBrowser,
  openPage,
  DESKTOP,
  PHONE,
  putConfig,
  readStored,
  recordWrites,
  sample,
  screenshot,
  scrollWidth,
  setEditorText,
  startApp,
  storedFiles,
  openEditor,
  pathOf,
  toastText,
} from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const MAC = 'aa-bb-cc-dd-ee-01';
const OTHER = 'aa-bb-cc-dd-ee-02';
const KITCHEN = sample('Kitchen sensor', 'sensor.kitchen', true, { wifi: { ssid: 'home', channel: 6 }, pins: [4, 5] });
/** What Duplicate starts from: the source without its unique values (UNIQUE_KEYS). */
const KITCHEN_COPY = { ...KITCHEN, deviceEntityId: '' };


describe('duplicate, rename, delete', () => {
  it('duplicates into New device with the source content and an empty MAC, never touching the source', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);

    await page.getByTestId('duplicate').click();
    await eventually(() => page.url()).toContain(`/devices/new?from=${MAC}`);
    await page.getByTestId('json-editor-input').waitFor();
    expect(await page.getByTestId('mac-input').inputValue()).toBe('');
    // The unique entity ID is left empty in the copy.
    await eventually(() => editorJson(page)).toEqual(KITCHEN_COPY);

    // Duplicating onto the source's own MAC is refused, not an overwrite.
    await page.getByTestId('mac-input').fill(MAC.toUpperCase());
    await page.getByTestId('save').click();
    await page.getByTestId('exists-alert').waitFor();

    await page.getByTestId('mac-input').fill(OTHER);
    await page.getByTestId('save').click();
    await eventually(() => pathOf(page)).toBe(`/devices/${OTHER}`);
    expect(await readStored(dir, OTHER)).toEqual(KITCHEN_COPY);
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    // Also from the list's row action.
    await page.goto('/devices');
    await page.locator(`[data-mac="${OTHER}"]`).getByTestId('duplicate-device').click();
    await page.getByTestId('json-editor-input').waitFor();
    expect(await page.getByTestId('duplicate-source').textContent()).toContain(OTHER);
    expect(problems).toEqual([]);
  });

  it('offers to try again when the config to duplicate could not be loaded', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.route(`**/api/configs/${MAC}`, (route) => route.abort());
    await page.goto(`/devices/new?from=${MAC}`);
    await eventually(() => page.getByTestId('error-alert').textContent()).toContain(`The config of ${MAC} could not be loaded`);

    await page.unroute(`**/api/configs/${MAC}`);
    await page.getByTestId('retry').click();
    await eventually(() => editorJson(page)).toEqual(KITCHEN_COPY);
    expect(await page.getByTestId('error-alert').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('renames in one call through a dialog that shows a 409, then follows the config to its new MAC', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const taken = sample('Someone else', 'sensor.else', false);
    await putConfig(baseUrl, OTHER, taken);
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    const writes = recordWrites(page);

    await page.getByTestId('rename').click();
    const dialog = page.getByTestId('rename-dialog');
    await dialog.waitFor();
    await page.getByTestId('rename-mac').fill('AA-BB-CC-DD-EE-02');
    await page.getByTestId('confirm-rename').click();
    await eventually(() => dialog.getByTestId('error-alert').textContent()).toContain('already exists');
    await screenshot(page, 'rename-dialog-conflict');
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);
    expect(await readStored(dir, OTHER)).toEqual(taken);

    await page.getByTestId('rename-mac').fill('11:22:33:44:55:66');
    expect(await page.getByTestId('rename-mac-canonical').textContent()).toBe('11-22-33-44-55-66');
    await page.getByTestId('rename-mac').press('Enter');
    await eventually(() => pathOf(page)).toBe('/devices/11-22-33-44-55-66');
    expect(await toastText(page)).toContain(`Renamed ${MAC} to 11-22-33-44-55-66`);
    expect(await storedFiles(dir)).toEqual(['11-22-33-44-55-66.json', `${OTHER}.json`]);
    expect(await readStored(dir, '11-22-33-44-55-66')).toEqual(KITCHEN);
    // One rename call per attempt, with the ETag the editor loaded; never a save plus a delete.
    expect(writes.map((call) => `${call.method} ${call.path}`)).toEqual([
      `POST /api/configs/${MAC}/rename`,
      `POST /api/configs/${MAC}/rename`,
    ]);
    expect(writes.every((call) => call.ifMatch?.startsWith('"'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('says in visible words, tied to the button, why Rename is off while there are edits, without moving the buttons', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const { page, problems } = await openPage(browser, baseUrl, { viewport });
      await openEditor(page, MAC);
      expect(await page.getByTestId('rename-note').isVisible()).toBe(false);
      expect(await page.getByTestId('rename').getAttribute('aria-describedby')).toBeNull();
      const buttons = ['duplicate', 'rename', 'delete', 'save'].map((testId) => page.getByTestId(testId));
      // In page coordinates: clicking into the editor may scroll a phone's viewport, which moves nothing on the page.
      const where = async () => {
        const scrollY = await page.evaluate<number>('window.scrollY');
        return (await Promise.all(buttons.map((button) => button.boundingBox()))).map((box) => box && { ...box, y: box.y + scrollY });
      };
      const before = await where();
      await setEditorText(page, JSON.stringify({ ...KITCHEN, deviceName: 'Edited' }));
      const rename = page.getByTestId('rename');
      await eventually(() => rename.isDisabled()).toBe(true);
      const note = page.locator(`[id="${await rename.getAttribute('aria-describedby')}"]`);
      expect(await note.isVisible()).toBe(true);
      expect(await note.textContent()).toBe('Save or discard your changes to rename.');
      // A pointer aimed at Delete as the first key is typed must still land on Delete; nor does the editor move down.
      expect(await where(), name).toEqual(before);
      await screenshot(page, `edit-${name}-rename-note`);
      expect(problems).toEqual([]);
    }
  });

  it('starts the editor buttons where the heading does when a long name puts them on a line of their own', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, { ...KITCHEN, deviceName: 'Kitchen sensor above the window with a rather long descriptive name' });
    for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const { page, problems } = await openPage(browser, baseUrl, { viewport });
      await openEditor(page, MAC);
      const heading = (await page.getByRole('heading', { level: 1 }).boundingBox())!;
      const duplicate = (await page.getByTestId('duplicate').boundingBox())!;
      expect(duplicate.y, name).toBeGreaterThan(heading.y + heading.height);
      expect(Math.round(duplicate.x), name).toBe(Math.round(heading.x));
      expect(problems).toEqual([]);
    }
  });

  it('deletes only after a confirmation naming the MAC and device, from the editor and from the list', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    await putConfig(baseUrl, OTHER, sample('Garage door', 'cover.garage', false));
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    const writes = recordWrites(page);

    await page.getByTestId('delete').click();
    const dialog = page.getByTestId('delete-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('delete-mac').textContent()).toBe(MAC);
    expect(await page.getByTestId('delete-name').textContent()).toBe('Kitchen sensor');
    await screenshot(page, 'delete-dialog');
    // The danger button stays readable in both schemes (WCAG AA: 4.5:1).
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await contrastRatio(page.getByTestId('confirm-delete'))).toBeGreaterThanOrEqual(4.5);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('cancel-delete').click();
    expect(await dialog.count()).toBe(0);
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await eventually(() => pathOf(page)).toBe('/devices');
    expect(await toastText(page)).toContain(`Deleted ${MAC}`);
    expect(await readStored(dir, MAC)).toBeNull();
    await eventually(() => page.getByTestId('device-row').count()).toBe(1);

    await page.locator(`[data-mac="${OTHER}"]`).getByTestId('delete-device').click();
    await eventually(() => page.getByTestId('delete-name').textContent()).toBe('Garage door');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('delete-dialog').count()).toBe(0);
    // Focus goes back to the button that opened the dialog, so a keyboard user keeps their place.
    const focused = "`${document.activeElement?.closest('[data-mac]')?.getAttribute('data-mac')} ${document.activeElement?.getAttribute('data-testid')}`";
    expect(await page.evaluate<string>(focused)).toBe(`${OTHER} delete-device`);
    expect(await readStored(dir, OTHER)).not.toBeNull();
    await page.locator(`[data-mac="${OTHER}"]`).getByTestId('delete-device').click();
    await page.getByTestId('confirm-delete').click();
    await page.getByTestId('empty-state').waitFor();
    expect(await storedFiles(dir)).toEqual([]);
    expect(writes.map((call) => `${call.method} ${call.path}`)).toEqual([`DELETE /api/configs/${MAC}`, `DELETE /api/configs/${OTHER}`]);
    expect(writes.every((call) => call.ifMatch?.startsWith('"'))).toBe(true);
    expect(problems).toEqual([]);
  });
  it('keeps the sentences around a right-to-left override in a device name in their order', async () => {
    const { baseUrl } = await startApp();
    const evil = '\u202Eevil override';
    await putConfig(baseUrl, MAC, sample(evil, `sensor.${evil}`, true));
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    // Unisolated, the override runs to the end of the sentence and draws its words right to left.
    const inOrder = (selector: string, first: string, second: string) =>
      page.evaluate<boolean>(`(() => {
        const where = (word) => {
          const walker = document.createTreeWalker(document.querySelector(${JSON.stringify(selector)}), NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(word);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(walker.currentNode, at);
            range.setEnd(walker.currentNode, at + word.length);
            return range.getBoundingClientRect().left;
          }
          throw new Error('no ' + word);
        };
        return where(${JSON.stringify(first)}) < where(${JSON.stringify(second)});
      })()`);

    expect(await page.title()).toBe(`\u2068${evil}\u2069 · IoT Config Manager`);
    await page.getByTestId('delete').click();
    await page.getByTestId('delete-dialog').waitFor();
    expect(await page.getByTestId('delete-name').textContent()).toBe(evil);
    expect(await inOrder('[data-testid=delete-dialog] p', 'will', 'removed')).toBe(true);
    expect(await inOrder('[data-testid=delete-dialog] p', 'evil', ')')).toBe(true);
    await page.keyboard.press('Escape');

    await page.goto(`/devices?q=${encodeURIComponent(evil)}x`);
    await page.getByTestId('no-matches').waitFor();
    expect(await inOrder('[data-testid=no-matches] h2', 'evil', '”')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('does not delete a config that someone changed after the dialog showed it (If-Match, 412)', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.locator(`[data-mac="${MAC}"]`).getByTestId('delete-device').click();
    await eventually(() => page.getByTestId('delete-name').textContent()).toBe('Kitchen sensor');

    const changed = { ...KITCHEN, deviceName: 'Kitchen, changed meanwhile' };
    await putConfig(baseUrl, MAC, changed);
    await page.getByTestId('confirm-delete').click();
    const alert = page.getByTestId('delete-dialog').getByTestId('error-alert');
    await eventually(() => alert.getAttribute('data-code')).toBe('PRECONDITION_FAILED');
    expect(await alert.textContent()).toContain('changed since it was shown');
    expect(await readStored(dir, MAC)).toEqual(changed);
    // Trying again would only fail again.
    expect(await page.getByTestId('confirm-delete').isDisabled()).toBe(true);

    // Closing the dialog shows the list as it is now.
    await page.getByTestId('cancel-delete').click();
    await eventually(() => page.locator(`[data-mac="${MAC}"]`).getByTestId('device-name').textContent()).toBe('Kitchen, changed meanwhile');
    expect(problems).toEqual([]);
  });
});

describe('unsaved changes', () => {
  it('asks before leaving by a link, the back button, a reload or closing the tab; nothing asks once saved', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.locator(`[data-mac="${MAC}"]`).getByTestId('edit-device').click();
    await page.getByTestId('json-editor-input').waitFor();
    const edited = JSON.stringify({ ...KITCHEN, deviceName: 'Not saved yet' }, null, 2);
    await setEditorText(page, edited);

    // A link: stay, and the edit is still there.
    await page.getByRole('link', { name: 'Devices', exact: true }).first().click();
    await page.getByTestId('unsaved-dialog').waitFor();
    await screenshot(page, 'unsaved-changes-dialog');
    await page.getByTestId('stay').click();
    expect(pathOf(page)).toBe(`/devices/${MAC}`);
    expect(await editorText(page)).toBe(edited);

    // Reload: the browser's own prompt; dismissing it keeps the page.
    const dialogType = new Promise<string>((resolve) =>
      page.once('dialog', async (dialog) => {
        await dialog.dismiss();
        resolve(dialog.type());
      }),
    );
    await page.evaluate('setTimeout(() => location.reload(), 0)');
    expect(await dialogType).toBe('beforeunload');
    expect(await editorText(page)).toBe(edited);

    // Closing the tab: the same prompt; dismissed, the tab stays open.
    const closePrompt = new Promise<string>((resolve) =>
      page.once('dialog', async (dialog) => {
        await dialog.dismiss();
        resolve(dialog.type());
      }),
    );
    await page.close({ runBeforeUnload: true });
    expect(await closePrompt).toBe('beforeunload');
    expect(page.isClosed()).toBe(false);
    expect(await editorText(page)).toBe(edited);

    // The back button: discard, and land on the list; the file was never touched.
    await page.evaluate('history.back()');
    await page.getByTestId('unsaved-dialog').waitFor();
    await page.getByTestId('discard').click();
    await page.getByTestId('device-table').waitFor();
    expect(pathOf(page)).toBe('/devices');
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    // Saved edits leave without a question.
    await page.goto(`/devices/${MAC}`);
    await page.getByTestId('json-editor-input').waitFor();
    await setEditorText(page, edited);
    await page.getByTestId('save').click();
    // Saved (not merely saving: Save is disabled during the request too).
    await eventually(() => page.getByTestId('toast').last().textContent()).toContain(`Saved ${MAC}`);
    expect(await page.getByTestId('dirty-indicator').count()).toBe(0);
    await page.getByTestId('cancel').click();
    await page.getByTestId('device-table').waitFor();
    expect(await page.getByTestId('unsaved-dialog').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('is usable at phone width: summary first, editor and actions reachable', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl, { viewport: PHONE });
    await openEditor(page, MAC);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.getByTestId('save').waitFor({ state: 'visible' });
    await screenshot(page, 'editor-phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'editor-phone-dark');

    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/devices/new');
    await page.getByTestId('mac-input').fill('aa:bb:cc:dd:ee:0');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'new-device-phone');
    expect(problems).toEqual([]);
  });
});
