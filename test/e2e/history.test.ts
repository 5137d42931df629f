import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  editorJson,
  eventually,
  launchBrowser,
  openEditor,
  openPage,
  PHONE,
  putConfig,
  readStored,
  recordWrites,
  sample,
  screenshot,
  setEditorText,
  startApp,
} from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const MAC = 'aa-bb-cc-dd-ee-11';
const V1 = sample('Hall light', 'light.hall', true, { wifi: { ssid: 'home', channel: 6 }, numLeds: 120, logLevel: 'info', interval: 30 });
const V2 = { ...V1, numLeds: 144 };
const V3 = { ...V2, logLevel: 'debug' };

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** Saves the editor's text as a person would, and waits for the file on disk; returns the ETag the save got. */
async function saveInEditor(page: Page, dir: string, content: Record<string, unknown>): Promise<string> {
  await setEditorText(page, pretty(content));
  const response = page.waitForResponse((candidate) => candidate.request().method() === 'PUT');
  await page.getByTestId('save').click();
  const etag = (await response).headers().etag!;
  await eventually(() => readStored(dir, MAC)).toEqual(content);
  return etag;
}

async function currentEtag(baseUrl: string, mac: string): Promise<string> {
  return (await fetch(`${baseUrl}/api/configs/${mac}`)).headers.get('etag')!;
}

describe('version history', () => {
  it('lists every save, shows and diffs versions, and restores one after showing the change it makes', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, V1);
    const { page, problems } = await openPage(browser, baseUrl);
    const writes = recordWrites(page);
    await openEditor(page, MAC);
    await saveInEditor(page, dir, V2);
    await saveInEditor(page, dir, V3);

    const panel = page.getByTestId('history-panel');
    const items = panel.getByTestId('version-item');
    await eventually(() => items.count()).toBe(3);
    expect(await items.first().textContent()).toContain('v3');
    expect(await items.first().textContent()).toContain('Updated');
    expect(await items.first().textContent()).toContain('anonymous@127.0.0.1');
    expect(await items.last().textContent()).toContain('Created');

    // Version 3 against the one before: what that save changed.
    await items.first().click();
    const viewer = panel.getByTestId('version-viewer');
    await panel.getByTestId('compare-with').selectOption('previous');
    const diff = viewer.getByTestId('diff-view');
    await eventually(() => diff.locator('.cm-merge-a .cm-changedLine').textContent()).toContain('"logLevel": "info"');
    expect(await diff.locator('.cm-merge-b .cm-changedLine').textContent()).toContain('"logLevel": "debug"');
    await screenshot(page, 'history-diff-desktop');

    // Version 1 shown alone, then against the current config.
    await panel.locator('[data-testid=version-item][data-version="1"]').click();
    await panel.getByTestId('compare-with').selectOption('none');
    await eventually(() => viewer.getByTestId('version-text').textContent()).toContain('"numLeds": 120');
    await panel.getByTestId('compare-with').selectOption('current');
    await eventually(() => diff.locator('.cm-merge-b').textContent()).toContain('"numLeds": 144');

    const before = await currentEtag(baseUrl, MAC);
    await panel.getByTestId('restore-version').click();
    const dialog = page.getByTestId('restore-dialog');
    await dialog.waitFor();
    await eventually(() => dialog.getByTestId('restore-diff').textContent()).toContain('"logLevel": "debug"');
    await screenshot(page, 'history-restore-dialog');
    await dialog.getByTestId('confirm-restore').click();
    await eventually(() => readStored(dir, MAC)).toEqual(V1);
    await eventually(() => editorJson(page)).toEqual(V1);
    expect(await page.getByTestId('toast').last().textContent()).toContain('Restored version 1');
    await eventually(() => items.count()).toBe(4);
    expect(await items.first().textContent()).toContain('Restored');
    const restore = writes.find((call) => call.method === 'POST');
    expect(restore).toMatchObject({ path: `/api/configs/${MAC}/history/1/restore`, ifMatch: before });
    expect(problems).toEqual([]);
  });

  it('Undo in the save toast restores the version before the save, with If-Match on the saved ETag', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, V1);
    const { page, problems } = await openPage(browser, baseUrl);
    const writes = recordWrites(page);
    await openEditor(page, MAC);
    const saved = await saveInEditor(page, dir, V2);
    const undo = page.getByTestId('toast-action');
    await undo.waitFor();
    expect(await undo.textContent()).toBe('Undo');
    await screenshot(page, 'history-undo-toast');
    await undo.click();
    await eventually(() => readStored(dir, MAC)).toEqual(V1);
    await eventually(() => editorJson(page)).toEqual(V1);
    expect(writes.at(-1)).toMatchObject({ method: 'POST', path: `/api/configs/${MAC}/history/1/restore`, ifMatch: saved });
    await eventually(() => page.getByTestId('toast').last().textContent()).toContain('back to version 1');
    // The restored version's ETag is the editor's now: the next save goes through.
    await saveInEditor(page, dir, V3);
    expect(problems).toEqual([]);
  });

  it('a restore refused because the config changed says so and shows the stored version', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, V1);
    const { page, problems } = await openPage(browser, baseUrl);
    await openEditor(page, MAC);
    await saveInEditor(page, dir, V2);
    await putConfig(baseUrl, MAC, V3);
    const panel = page.getByTestId('history-panel');
    await panel.locator('[data-testid=version-item][data-version="1"]').click();
    await panel.getByTestId('restore-version').click();
    await page.getByTestId('confirm-restore').click();
    await eventually(() => page.getByTestId('toast').last().textContent()).toContain('changed since you opened it');
    await eventually(() => editorJson(page)).toEqual(V3);
    expect(await readStored(dir, MAC)).toEqual(V3);
    expect(problems).toEqual([]);
  });

  it('a deleted config is listed under Deleted and brought back by Restore (phone width)', async () => {
    const { baseUrl, dir } = await startApp();
    await putConfig(baseUrl, MAC, V1);
    await putConfig(baseUrl, MAC, V2);
    const { page, problems } = await openPage(browser, baseUrl, { viewport: PHONE });
    await openEditor(page, MAC);
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').click();
    await eventually(() => readStored(dir, MAC)).toBeNull();
    // The page of a deleted config still has its history, down to the delete.
    await page.goto(`/devices/${MAC}?version=3`);
    await page.getByTestId('not-found').waitFor();
    await eventually(() => page.getByTestId('version-title').textContent()).toBe('Version 3: Deleted');
    // A phone shows the unified difference: all of version 2 removed.
    await eventually(() => page.getByTestId('version-viewer').locator('.cm-deletedChunk').first().textContent()).toContain('"numLeds": 144');
    await page.getByTestId('compare-with').selectOption('none');
    await page.getByTestId('version-tombstone').waitFor();

    await page.getByRole('link', { name: 'Deleted' }).click();
    const row = page.locator(`[data-testid=deleted-row][data-mac="${MAC}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Hall light');
    await screenshot(page, 'deleted-phone');
    await row.getByTestId('restore-deleted').click();
    await eventually(() => readStored(dir, MAC)).toEqual(V2);
    await row.getByTestId('open-restored').click();
    await eventually(() => editorJson(page)).toEqual(V2);
    expect(problems).toEqual([]);
  });
});

describe('audit log', () => {
  const OTHER = 'aa-bb-cc-dd-ee-22';

  it('filters by device, operation and date in the URL, and links each change to its diff', async () => {
    const { baseUrl } = await startApp();
    await putConfig(baseUrl, MAC, V1);
    await putConfig(baseUrl, MAC, V2);
    await putConfig(baseUrl, OTHER, sample('Porch', 'light.porch', false));
    await fetch(`${baseUrl}/api/configs/${OTHER}`, { method: 'DELETE' });
    const { page, problems } = await openPage(browser, baseUrl);
    await page.goto('/devices');
    await page.getByRole('link', { name: 'Audit log' }).click();
    const rows = page.getByTestId('audit-row');
    await eventually(() => rows.count()).toBe(4);
    expect(await rows.first().getAttribute('data-operation')).toBe('delete');
    await screenshot(page, 'audit-desktop');

    await page.getByTestId('audit-mac').fill('AA:BB:CC:DD:EE:22');
    await page.getByTestId('audit-operation').selectOption('delete');
    await page.getByTestId('audit-apply').click();
    await eventually(() => new URL(page.url()).search).toBe('?mac=AA%3ABB%3ACC%3ADD%3AEE%3A22&operation=delete');
    await eventually(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-mac')).toBe(OTHER);
    // The filters live in the URL: a reload keeps them.
    await page.reload();
    await eventually(() => rows.count()).toBe(1);
    expect(await page.getByTestId('audit-operation').inputValue()).toBe('delete');

    const today = new Date();
    const day = (offset: number) => {
      const date = new Date(today.getFullYear(), today.getMonth(), today.getDate() + offset);
      return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
    };
    await page.goto(`/audit?from=${day(1)}`);
    await page.getByTestId('audit-empty').waitFor();
    await page.goto(`/audit?from=${day(0)}&to=${day(0)}&mac=${MAC}`);
    await eventually(() => rows.count()).toBe(2);

    // The update's link opens the device's history at that version, diffed against the one before.
    await rows.first().getByTestId('audit-diff-link').click();
    await eventually(() => new URL(page.url()).pathname + new URL(page.url()).search).toBe(`/devices/${MAC}?version=2`);
    const viewer = page.getByTestId('version-viewer');
    await eventually(() => viewer.getAttribute('data-version')).toBe('2');
    expect(await page.getByTestId('compare-with').inputValue()).toBe('previous');
    await eventually(() => viewer.locator('.cm-merge-b .cm-changedLine').textContent()).toContain('"numLeds": 144');
    expect(problems).toEqual([]);
  });

  it('pages with Show more (phone width)', async () => {
    const { baseUrl } = await startApp();
    for (let i = 0; i < 60; i++) await putConfig(baseUrl, MAC, { ...V1, interval: i });
    for (let i = 0; i < 50; i++) await putConfig(baseUrl, OTHER, { ...V1, interval: i });
    const { page, problems } = await openPage(browser, baseUrl, { viewport: PHONE });
    await page.goto('/audit');
    const rows = page.getByTestId('audit-row');
    await eventually(() => rows.count()).toBe(100);
    await screenshot(page, 'audit-phone');
    await page.getByTestId('audit-more').click();
    await eventually(() => rows.count()).toBe(110);
    expect(await page.getByTestId('audit-more').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('three-way merge of a refused save', () => {
  async function race(theirs: Record<string, unknown>, mine: Record<string, unknown>) {
    const running = await startApp();
    await putConfig(running.baseUrl, MAC, V1);
    const me = await openPage(browser, running.baseUrl);
    const them = await openPage(browser, running.baseUrl);
    await openEditor(me.page, MAC);
    await openEditor(them.page, MAC);
    await setEditorText(them.page, pretty(theirs));
    await them.page.getByTestId('save').click();
    await eventually(() => readStored(running.dir, MAC)).toEqual(theirs);
    const writes = recordWrites(me.page);
    await setEditorText(me.page, pretty(mine));
    await me.page.getByTestId('save').click();
    await me.page.getByTestId('merge-panel').waitFor();
    return { ...running, me, writes };
  }

  it('two pages editing different lines both land: the merge is shown, then saved with the current ETag', async () => {
    const theirs = { ...V1, numLeds: 144, wifi: { ssid: 'home', channel: 11 } };
    const mine = { ...V1, logLevel: 'debug' };
    const { baseUrl, dir, me, writes } = await race(theirs, mine);
    const { page, problems } = me;
    const panel = page.getByTestId('merge-panel');
    expect(await panel.getAttribute('data-conflicts')).toBe('0');
    expect(await page.getByTestId('save').isDisabled()).toBe(true);
    await eventually(() => panel.getByTestId('diff-view').locator('.cm-merge-b .cm-changedLine').textContent()).toContain('"logLevel": "debug"');
    await screenshot(page, 'merge-clean-desktop');
    const stored = await currentEtag(baseUrl, MAC);
    await panel.getByTestId('merge-save').click();
    const merged = { ...theirs, logLevel: 'debug' };
    await eventually(() => readStored(dir, MAC)).toEqual(merged);
    await eventually(() => editorJson(page)).toEqual(merged);
    expect(await page.getByTestId('merge-panel').count()).toBe(0);
    expect(writes.at(-1)).toMatchObject({ method: 'PUT', ifMatch: stored });
    expect(problems).toEqual([]);
  });

  it('a line changed on both sides is a conflict settled by a choice before saving', async () => {
    const theirs = { ...V1, numLeds: 144, interval: 60 };
    const mine = { ...V1, numLeds: 90, logLevel: 'debug' };
    const { dir, me } = await race(theirs, mine);
    const { page, problems } = me;
    const panel = page.getByTestId('merge-panel');
    expect(await panel.getAttribute('data-conflicts')).toBe('1');
    expect(await panel.getByTestId('merge-save').isDisabled()).toBe(true);
    await screenshot(page, 'merge-conflict-desktop');
    await panel.getByTestId('take-mine').check();
    await panel.getByTestId('merge-save').click();
    await eventually(() => readStored(dir, MAC)).toEqual({ ...V1, numLeds: 90, logLevel: 'debug', interval: 60 });
    expect(problems).toEqual([]);
  });

  it('a conflict can be settled by hand in the editor, where its markers keep Save off until they are gone', async () => {
    const theirs = { ...V1, numLeds: 144 };
    const mine = { ...V1, numLeds: 90 };
    const { dir, me } = await race(theirs, mine);
    const { page, problems } = me;
    await page.getByTestId('merge-edit').click();
    await eventually(() => page.getByTestId('merge-panel').count()).toBe(0);
    await eventually(() => page.getByTestId('json-status').getAttribute('data-valid')).toBe('false');
    expect(await page.getByTestId('save').isDisabled()).toBe(true);
    const settled = { ...V1, numLeds: 100 };
    await setEditorText(page, pretty(settled));
    await page.getByTestId('save').click();
    await eventually(() => readStored(dir, MAC)).toEqual(settled);
    expect(problems).toEqual([]);
  });

  it('without the opened version in the history, falls back to the two-way comparison', async () => {
    const running = await startApp({ env: { HISTORY_LIMIT: '0' } });
    await putConfig(running.baseUrl, MAC, V1);
    const { page, problems } = await openPage(browser, running.baseUrl);
    await openEditor(page, MAC);
    await putConfig(running.baseUrl, MAC, V2);
    await setEditorText(page, pretty(V3));
    await page.getByTestId('save').click();
    await page.getByTestId('conflict-panel').waitFor();
    expect(await page.getByTestId('merge-panel').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
