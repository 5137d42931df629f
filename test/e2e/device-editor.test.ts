import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  scrollWidth,
  contrastRatio,
  editorJson,
  editorText,
  eventually,
  launchBrowser,
  openPage,
  putConfig,
  readStored,
  recordWrites,
  sample,
  screenshot,
  setEditorText,
  startApp,
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
const KITCHEN = sample('Kitchen sensor', 'sensor.kitchen', true, { wifi: { ssid: 'home', channel: 6 }, pins: [4, 5] });


describe('new device', () => {
  it('validates the MAC as you type, shows its canonical form, creates the config and opens it', async () => {
    const { baseUrl, dir } = await startApp();
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByTestId('new-device').click();
    await page.getByTestId('json-editor-input').waitFor();

    await eventually(() => editorJson(page)).toEqual({ deviceName: '', deviceEntityId: '', enableOTA: false });
    const save = page.getByTestId('save');
    expect(await save.isDisabled()).toBe(true);

    const macInput = page.getByTestId('mac-input');
    // Still being typed: a count, not an error; then an error once it cannot become a MAC.
    await macInput.fill('aa:bb:cc:dd:ee');
    await eventually(() => page.getByTestId('mac-input-hint').textContent()).toBe('10 of 12 hex digits');
    expect(await macInput.getAttribute('aria-invalid')).toBe('false');
    expect(await save.isDisabled()).toBe(true);
    await macInput.fill('aa:bb:cc:dd:ee:fg');
    await eventually(() => page.getByTestId('mac-input-hint').textContent()).toMatch(/Not a MAC address/);
    expect(await macInput.getAttribute('aria-invalid')).toBe('true');
    expect(await save.isDisabled()).toBe(true);

    await macInput.fill('AA:BB:CC:DD:EE:01');
    expect(await page.getByTestId('mac-input-canonical').textContent()).toBe(MAC);
    await setEditorText(page, JSON.stringify(KITCHEN, null, 2));
    await eventually(() => page.getByTestId('summary-name').textContent()).toBe('Kitchen sensor');
    await screenshot(page, 'new-device-desktop');

    const writes = recordWrites(page);
    await save.click();
    await eventually(() => pathOf(page)).toBe(`/devices/${MAC}`);
    expect(await toastText(page)).toContain(`Created ${MAC}`);
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0]!.body!)).toEqual({ content: KITCHEN, allow_overwrite: false });
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);
    // The new config opens in its editor.
    await eventually(() => page.getByTestId('editor-title').textContent()).toBe('Kitchen sensor');
    await eventually(() => editorJson(page)).toEqual(KITCHEN);
    expect(problems).toEqual([]);
  });

  it('from the page of a MAC without a config, starts with that MAC filled in', async () => {
    const { baseUrl, dir } = await startApp();
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices/AA:BB:CC:DD:EE:01');
    await page.getByTestId('not-found').waitFor();
    await page.getByTestId('create-missing').click();
    await page.getByTestId('json-editor-input').waitFor();
    expect(await page.getByTestId('mac-input').inputValue()).toBe(MAC);
    await eventually(() => page.getByTestId('save').isDisabled()).toBe(false);
    // Nothing typed yet: leaving asks nothing.
    await page.getByTestId('cancel').click();
    await eventually(() => pathOf(page)).toBe('/devices');

    await page.goBack();
    await page.getByTestId('save').click();
    await eventually(() => pathOf(page)).toBe(`/devices/${MAC}`);
    expect(await readStored(dir, MAC)).toEqual({ deviceName: '', deviceEntityId: '', enableOTA: false });
    expect(problems).toEqual([]);
  });

  it('on an existing MAC says so with a link to it, keeps the text and overwrites nothing (409)', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices/new');
    await page.getByTestId('mac-input').fill('aabbccddee01');
    const mine = JSON.stringify(sample('Impostor', 'sensor.other', false), null, 2);
    await setEditorText(page, mine);
    await page.keyboard.press('ControlOrMeta+S');

    const alert = page.getByTestId('exists-alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('A config for this MAC already exists');
    expect(await editorText(page)).toBe(mine);
    expect(pathOf(page)).toBe('/devices/new');
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    // Another MAC makes the alert (and its link) moot; the same MAC in another form keeps it.
    await page.getByTestId('mac-input').fill('aabbccddee02');
    await eventually(() => alert.count()).toBe(0);
    await page.getByTestId('mac-input').fill('AA:BB:CC:DD:EE:01');
    await alert.waitFor();

    // The link leads to the existing config (after confirming that the typed text is dropped).
    await page.getByTestId('open-existing').click();
    await page.getByTestId('unsaved-dialog').waitFor();
    await page.getByTestId('discard').click();
    await eventually(() => pathOf(page)).toBe(`/devices/${MAC}`);
    await eventually(() => page.getByTestId('summary-name').textContent()).toBe('Kitchen sensor');
    expect(problems).toEqual([]);
  });
});

describe('edit device', () => {
  it('tells screen readers what is loading: the page\'s code, the config to edit, the config to duplicate, the list', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    /** Holds the requests to `pattern` until the returned function is called. */
    const hold = async (pattern: string) => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(pattern, async (route) => {
        await held;
        await route.fallback();
      });
      return release;
    };
    // What the accessibility tree exposes; an aria-label on a plain div is not part of it.
    const announced = (testId: string) => page.getByTestId(testId).ariaSnapshot();

    let release = await hold('**/static/edit-device-page-*.js');
    const releaseConfig = await hold(`**/api/configs/${MAC}`);
    await page.goto(`/devices/${MAC}`);
    expect(await announced('page-loading')).toBe('- status: Loading the page');
    release();
    expect(await announced('editor-loading')).toBe(`- status: Loading the config of ${MAC}`);
    releaseConfig();
    await page.getByTestId('json-editor-input').waitFor();

    release = await hold(`**/api/configs/${MAC}`);
    await page.goto(`/devices/new?from=${MAC}`);
    expect(await announced('source-loading')).toBe(`- status: Loading the config of ${MAC}`);
    release();
    // Duplicate leaves the unique entity ID empty.
    await eventually(() => editorJson(page)).toEqual({ ...KITCHEN, deviceEntityId: '' });

    release = await hold('**/api/configs');
    await page.goto('/devices');
    expect(await announced('list-skeleton')).toBe('- status: Loading devices');
    release();
    await page.getByTestId('device-table').waitFor();
    expect(problems).toEqual([]);
  });

  it('shows line numbers with enough contrast (WCAG AA 4.5:1), light and dark', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await contrastRatio(page.locator('.cm-gutters'))).toBeGreaterThanOrEqual(4.5);
    }
    expect(problems).toEqual([]);
  });

  it('moves nothing under prefers-reduced-motion: no toast slide-in, no blinking cursor', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl); // the harness asks for reduced motion
    await openEditor(page, MAC);
    await page.getByTestId('json-editor-input').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' ');
    await page.keyboard.press('ControlOrMeta+S');
    await page.getByTestId('toast').waitFor();
    const running = "document.getAnimations().filter((animation) => animation.playState === 'running').map((animation) => animation.animationName ?? String(animation.transitionProperty))";
    expect(await page.evaluate<string[]>(running)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('keeps a long path that is not a MAC inside a narrow screen, shortened', async () => {
    const { baseUrl } = await startApp();
    const { page, problems } = await openPage(browser, baseUrl, { viewport: { width: 375, height: 800 } });
    await page.goto(`/devices/${'x'.repeat(200)}`);
    await page.getByTestId('invalid-mac').waitFor();
    expect(await page.getByTestId('invalid-mac-text').textContent()).toBe(`${'x'.repeat(64)}…`);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
    expect(problems).toEqual([]);
  });

  it('drops a failed save\'s error once the edits are undone back to the stored text', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    await page.route(`**/api/configs/${MAC}`, (route) => (route.request().method() === 'PUT' ? route.abort() : route.fallback()));
    await page.getByTestId('json-editor-input').click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('Enter');
    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('error-alert').textContent()).toContain('The config was not saved');

    await page.getByTestId('json-editor-input').focus();
    await page.keyboard.press('ControlOrMeta+Z');
    await eventually(() => page.getByTestId('save').isDisabled()).toBe(true);
    expect(await page.getByTestId('error-alert').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('titles the tab for each state of the device page: loading, not found, not loadable, not a MAC, loaded', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    const title = (text: string) => `\u2068${text}\u2069 · IoT Config Manager`;

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/api/configs/${MAC}`, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`/devices/${MAC}`);
    await eventually(() => page.title()).toBe(title(`Loading ${MAC}`));
    release();
    await eventually(() => page.title()).toBe(title('Kitchen sensor'));
    await page.unroute(`**/api/configs/${MAC}`);

    await page.goto('/devices/aa-bb-cc-dd-ee-99');
    await page.getByTestId('not-found').waitFor();
    await eventually(() => page.title()).toBe(title('No config for aa-bb-cc-dd-ee-99'));

    await page.route(`**/api/configs/${MAC}`, (route) => route.abort());
    await page.goto(`/devices/${MAC}`);
    await page.getByTestId('error-alert').waitFor();
    await eventually(() => page.title()).toBe(title(`Not loaded: ${MAC}`));

    await page.goto('/devices/not-a-mac');
    await page.getByTestId('invalid-mac').waitFor();
    await eventually(() => page.title()).toBe(title('Not a MAC address'));
    expect(problems).toEqual([]);
  });

  it('heads a config without a name by its MAC, and says under it that it has no name rather than repeat the MAC', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, { deviceEntityId: 'sensor.kitchen' });
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    expect(await page.getByTestId('editor-title').textContent()).toBe(MAC);
    expect(await page.getByTestId('editor-subtitle').textContent()).toBe('No device name · sensor.kitchen');
    expect(problems).toEqual([]);
  });

  it('shows the stored text exactly (numbers and key order) and saves it back unchanged', async () => {
    const stored = '{\n  "price": 1.50,\n  "2": 12345678901234567890123,\n  "deviceName": "Exact"\n}\n';
    const { baseUrl, dir } = await startApp({ seed: { [`${MAC}.json`]: stored } });
    const { page } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    await eventually(() => editorText(page)).toBe(stored.trimEnd());
    await page.getByTestId('format').click();
    await setEditorText(page, stored.trimEnd().replace('"Exact"', '"Exact 2"'));
    await page.getByTestId('save').click();
    await eventually(() => fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).toBe(stored.replace('"Exact"', '"Exact 2"'));
  });

  it('loads the stored JSON with its summary, saves edits with the button and with Ctrl+S, and writes them to disk', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.locator(`[data-mac="${MAC}"]`).getByTestId('device-mac').click();
    await page.getByTestId('json-editor-input').waitFor();

    await eventually(() => editorJson(page)).toEqual(KITCHEN);
    expect(await page.getByTestId('editor-title').textContent()).toBe('Kitchen sensor');
    expect(await page.getByTestId('editor-subtitle').textContent()).toBe(`${MAC} · sensor.kitchen`);
    expect(await page.getByTestId('summary-entity-id').textContent()).toBe('sensor.kitchen');
    const save = page.getByTestId('save');
    expect(await save.isDisabled()).toBe(true);
    await screenshot(page, 'editor-desktop');

    const renamed = { ...KITCHEN, deviceName: 'Kitchen sensor v2', enableOTA: false };
    await setEditorText(page, JSON.stringify(renamed, null, 2));
    await page.getByTestId('dirty-indicator').waitFor();
    await eventually(() => page.getByTestId('summary-name').textContent()).toBe('Kitchen sensor v2');
    const writes = recordWrites(page);
    await save.click();
    await eventually(() => toastText(page)).toContain(`Saved ${MAC}`);
    expect(await readStored(dir, MAC)).toEqual(renamed);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ method: 'PUT', path: `/api/configs/${MAC}` });
    expect(writes[0]!.ifMatch).toMatch(/^"[^"]+"$/);
    await eventually(() => save.isDisabled()).toBe(true);

    // Ctrl+S from inside the editor; the file keeps the key order as typed.
    const third = { deviceEntityId: 'sensor.kitchen', deviceName: 'Kitchen', enableOTA: true, extra: 1.5 };
    await setEditorText(page, JSON.stringify(third));
    // Not while a dialog is open: the person is answering it.
    await page.getByTestId('delete').click();
    await page.getByTestId('delete-dialog').waitFor();
    await page.keyboard.press('ControlOrMeta+S');
    await page.keyboard.press('Escape');
    await eventually(() => page.getByTestId('delete-dialog').count()).toBe(0);
    expect(writes).toHaveLength(1);
    await page.keyboard.press('ControlOrMeta+S');
    await eventually(() => readStored(dir, MAC)).toEqual(third);
    const raw = await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8');
    expect(raw).toBe(`${JSON.stringify(third, null, 2)}\n`);
    await eventually(() => save.isDisabled()).toBe(true);
    expect(problems).toEqual([]);
  });

  it('keeps what was typed while a save was in flight, as unsaved, instead of resetting the editor', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/api/configs/${MAC}`, async (route) => {
      if (route.request().method() === 'PUT') await held;
      await route.continue();
    });
    const sent = { ...KITCHEN, deviceName: 'Sent' };
    await setEditorText(page, JSON.stringify(sent, null, 2));
    await page.keyboard.press('ControlOrMeta+S');
    await eventually(() => page.getByTestId('save').textContent()).toContain('Saving');
    const typedOn = { ...KITCHEN, deviceName: 'Typed on while saving' };
    await setEditorText(page, JSON.stringify(typedOn, null, 2));
    release();

    await eventually(() => page.getByTestId('toast').last().textContent()).toContain(`Saved ${MAC}`);
    expect(await readStored(dir, MAC)).toEqual(sent);
    await eventually(() => editorJson(page)).toEqual(typedOn);
    await page.getByTestId('dirty-indicator').waitFor();
    expect(await page.getByTestId('save').isDisabled()).toBe(false);

    // The next save carries the ETag of the save that just landed, so it goes through.
    await page.getByTestId('save').click();
    await eventually(() => readStored(dir, MAC)).toEqual(typedOn);
    expect(problems).toEqual([]);
  });

  it('disables Save while the JSON is invalid or not an object, flags the error, and Format JSON tidies valid text', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    const save = page.getByTestId('save');
    const status = page.getByTestId('json-status');

    await setEditorText(page, '{"deviceName": "Kitchen",, }');
    await eventually(() => status.getAttribute('data-valid')).toBe('false');
    expect(await save.isDisabled()).toBe(true);
    expect(await page.getByTestId('format').isDisabled()).toBe(true);
    await page.locator('.cm-lint-marker-error').first().waitFor();
    await screenshot(page, 'editor-invalid-json');
    await page.keyboard.press('ControlOrMeta+S');

    // An error V8 gives no position for is still shown where it is, in the status line and the gutter.
    const lines = Array.from({ length: 28 }, (_, i) => `  "key${i}": ${i},`);
    await setEditorText(page, `{\n${lines.join('\n')}\n  "mode": 'fast'\n}`);
    await eventually(() => status.textContent()).toContain('Line 30, column 11: Expected a value, found "\'": strings take double quotes');
    const line = page.locator('.cm-line', { hasText: '"mode"' });
    await line.scrollIntoViewIfNeeded();
    // The gutter's one error marker sits on that line (the linter runs 200 ms after a change).
    const markerOffLine = async () => {
      const [marker, lineBox] = [await page.locator('.cm-lint-marker-error').boundingBox(), await line.boundingBox()];
      return Math.abs(marker!.y + marker!.height / 2 - (lineBox!.y + lineBox!.height / 2)) / lineBox!.height;
    };
    await eventually(markerOffLine).toBeLessThan(0.5);

    await setEditorText(page, '[1, 2, 3]');
    await eventually(() => status.textContent()).toContain('must be a JSON object');
    expect(await save.isDisabled()).toBe(true);

    await setEditorText(page, '{"deviceName":"Kitchen","pins":[4,5]}');
    await eventually(() => status.getAttribute('data-valid')).toBe('true');
    expect(await save.isDisabled()).toBe(false);
    await page.getByTestId('format').click();
    expect(await editorText(page)).toBe('{\n  "deviceName": "Kitchen",\n  "pins": [\n    4,\n    5\n  ]\n}');
    // Nothing invalid reached the disk.
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);
    expect(problems).toEqual([]);
  });

  it('opens a stored file that is not valid JSON as raw text for repair, and saves the fix', async () => {
    const broken = '{\n  "deviceName": "Broken board",\n  "enableOTA": tru\n}\n';
    const { baseUrl, dir } = await startApp({ seed: { [`${MAC}.json`]: broken } });
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);

    await page.getByTestId('repair-notice').waitFor();
    expect(await page.getByTestId('repair-notice').textContent()).toContain(
      'Invalid JSON at line 3, column 16: Expected a value, found "tru". Devices cannot load it. Its raw text is in the editor: fix it and save.',
    );
    expect(await editorText(page)).toBe(broken.trimEnd() + '\n');
    // Its name is unknown, not missing: the line under the heading keeps the MAC.
    expect(await page.getByTestId('editor-subtitle').textContent()).toBe(MAC);
    expect(await page.getByTestId('save').isDisabled()).toBe(true);
    await screenshot(page, 'editor-repair');

    await setEditorText(page, broken.replace('tru', 'true'));
    await page.getByTestId('save').click();
    await eventually(() => toastText(page)).toContain(`Saved ${MAC}`);
    expect(await readStored(dir, MAC)).toEqual({ deviceName: 'Broken board', enableOTA: true });
    expect(await page.getByTestId('repair-notice').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('says why a stored file that is never read cannot be used, and replaces it on save', async () => {
    // MAX_BODY_BYTES 2048: a config file may be 32 KiB.
    const huge = JSON.stringify({ deviceName: 'x'.repeat(40_000) });
    const { baseUrl, dir } = await startApp({ env: { MAX_BODY_BYTES: '2048' }, seed: { [`${MAC}.json`]: huge } });
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);

    await page.getByTestId('repair-notice').waitFor();
    expect(await page.getByTestId('repair-notice').textContent()).toContain(
      `The file is ${huge.length} bytes, over the limit of 32768 bytes for a config file, so it is not read. Devices cannot load it. Write its config in the editor and save to replace it.`,
    );
    expect(await editorText(page)).toBe('');
    await screenshot(page, 'editor-unread-file');
    await setEditorText(page, '{"deviceName": "Small again"}');
    await page.getByTestId('save').click();
    await eventually(() => toastText(page)).toContain(`Saved ${MAC}`);
    expect(await readStored(dir, MAC)).toEqual({ deviceName: 'Small again' });
    expect(await page.getByTestId('repair-notice').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
