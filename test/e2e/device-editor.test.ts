import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  editorJson,
  editorText,
  eventually,
  launchBrowser,
  openPage,
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
} from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const MAC = 'aa-bb-cc-dd-ee-01';
const OTHER = 'aa-bb-cc-dd-ee-02';
const KITCHEN = sample('Kitchen sensor', 'sensor.kitchen', true, { wifi: { ssid: 'home', channel: 6 }, pins: [4, 5] });

const toastText = (page: Page) => page.getByTestId('toast').last().textContent();
const path_ = (page: Page) => new URL(page.url()).pathname;

async function openEditor(page: Page, mac: string): Promise<void> {
  await page.goto(`/devices/${mac}`);
  await page.getByTestId('json-editor-input').waitFor();
}

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
    await macInput.fill('aa:bb:cc:dd:ee');
    expect(await page.getByTestId('mac-input-hint').textContent()).toMatch(/Not a MAC address/);
    expect(await macInput.getAttribute('aria-invalid')).toBe('true');
    expect(await save.isDisabled()).toBe(true);

    await macInput.fill('AA:BB:CC:DD:EE:01');
    expect(await page.getByTestId('mac-input-canonical').textContent()).toBe(MAC);
    await setEditorText(page, JSON.stringify(KITCHEN, null, 2));
    await eventually(() => page.getByTestId('summary-name').textContent()).toBe('Kitchen sensor');
    await screenshot(page, 'new-device-desktop');

    const writes = recordWrites(page);
    await save.click();
    await eventually(() => path_(page)).toBe(`/devices/${MAC}`);
    expect(await toastText(page)).toContain(`Created ${MAC}`);
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0]!.body!)).toEqual({ content: KITCHEN, allow_overwrite: false });
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);
    // The new config opens in its editor.
    await eventually(() => page.getByTestId('editor-title').textContent()).toBe('Kitchen sensor');
    await eventually(() => editorJson(page)).toEqual(KITCHEN);
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
    expect(path_(page)).toBe('/devices/new');
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    // The link leads to the existing config (after confirming that the typed text is dropped).
    await page.getByTestId('open-existing').click();
    await page.getByTestId('unsaved-dialog').waitFor();
    await page.getByTestId('discard').click();
    await eventually(() => path_(page)).toBe(`/devices/${MAC}`);
    await eventually(() => page.getByTestId('summary-name').textContent()).toBe('Kitchen sensor');
    expect(problems).toEqual([]);
  });
});

describe('edit device', () => {
  it('loads the stored JSON with its summary, saves edits with the button and with Ctrl+S, and writes them to disk', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, KITCHEN);
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.locator(`[data-mac="${MAC}"]`).getByTestId('device-mac').click();
    await page.getByTestId('json-editor-input').waitFor();

    await eventually(() => editorJson(page)).toEqual(KITCHEN);
    expect(await page.getByTestId('editor-title').textContent()).toBe('Kitchen sensor');
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
    await page.keyboard.press('ControlOrMeta+S');
    await eventually(() => readStored(dir, MAC)).toEqual(third);
    const raw = await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8');
    expect(raw).toBe(`${JSON.stringify(third, null, 2)}\n`);
    await eventually(() => save.isDisabled()).toBe(true);
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
    expect(await editorText(page)).toBe(broken.trimEnd() + '\n');
    expect(await page.getByTestId('save').isDisabled()).toBe(true);
    await screenshot(page, 'editor-repair');

    await setEditorText(page, broken.replace('tru', 'true'));
    await page.getByTestId('save').click();
    await eventually(() => toastText(page)).toContain(`Saved ${MAC}`);
    expect(await readStored(dir, MAC)).toEqual({ deviceName: 'Broken board', enableOTA: true });
    expect(await page.getByTestId('repair-notice').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

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
    await eventually(() => editorJson(page)).toEqual(KITCHEN);

    // Duplicating onto the source's own MAC is refused, not an overwrite.
    await page.getByTestId('mac-input').fill(MAC.toUpperCase());
    await page.getByTestId('save').click();
    await page.getByTestId('exists-alert').waitFor();

    await page.getByTestId('mac-input').fill(OTHER);
    await page.getByTestId('save').click();
    await eventually(() => path_(page)).toBe(`/devices/${OTHER}`);
    expect(await readStored(dir, OTHER)).toEqual(KITCHEN);
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    // Also from the list's row action.
    await page.goto('/devices');
    await page.locator(`[data-mac="${OTHER}"]`).getByTestId('duplicate-device').click();
    await page.getByTestId('json-editor-input').waitFor();
    expect(await page.getByTestId('duplicate-source').textContent()).toContain(OTHER);
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
    await eventually(() => path_(page)).toBe('/devices/11-22-33-44-55-66');
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
    await page.getByTestId('cancel-delete').click();
    expect(await dialog.count()).toBe(0);
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await eventually(() => path_(page)).toBe('/devices');
    expect(await toastText(page)).toContain(`Deleted ${MAC}`);
    expect(await readStored(dir, MAC)).toBeNull();
    await eventually(() => page.getByTestId('device-row').count()).toBe(1);

    await page.locator(`[data-mac="${OTHER}"]`).getByTestId('delete-device').click();
    await eventually(() => page.getByTestId('delete-name').textContent()).toBe('Garage door');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('delete-dialog').count()).toBe(0);
    expect(await readStored(dir, OTHER)).not.toBeNull();
    await page.locator(`[data-mac="${OTHER}"]`).getByTestId('delete-device').click();
    await page.getByTestId('confirm-delete').click();
    await page.getByTestId('empty-state').waitFor();
    expect(await storedFiles(dir)).toEqual([]);
    expect(writes.map((call) => `${call.method} ${call.path}`)).toEqual([`DELETE /api/configs/${MAC}`, `DELETE /api/configs/${OTHER}`]);
    expect(writes.every((call) => call.ifMatch?.startsWith('"'))).toBe(true);
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
    expect(path_(page)).toBe(`/devices/${MAC}`);
    expect(await editorText(page)).toBe(edited);

    // Reload: the browser's own prompt; dismissing it keeps the page.
    const dialogType = new Promise<string>((resolve) =>
      page.once('dialog', (dialog) => {
        resolve(dialog.type());
        void dialog.dismiss();
      }),
    );
    await page.evaluate('setTimeout(() => location.reload(), 0)');
    expect(await dialogType).toBe('beforeunload');
    expect(await editorText(page)).toBe(edited);

    // Closing the tab: the same prompt; dismissed, the tab stays open.
    const closePrompt = new Promise<string>((resolve) =>
      page.once('dialog', (dialog) => {
        resolve(dialog.type());
        void dialog.dismiss();
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
    expect(path_(page)).toBe('/devices');
    expect(await readStored(dir, MAC)).toEqual(KITCHEN);

    // Saved edits leave without a question.
    await page.goto(`/devices/${MAC}`);
    await page.getByTestId('json-editor-input').waitFor();
    await setEditorText(page, edited);
    await page.getByTestId('save').click();
    await eventually(() => page.getByTestId('save').isDisabled()).toBe(true);
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
    expect(problems).toEqual([]);
  });
});
