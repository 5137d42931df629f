import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchBrowser, openEditor, openPage, setEditorText, startApp } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

const MAC = 'aa-bb-cc-dd-ee-27';

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Sensor node',
  type: 'object',
  required: ['wifi', 'mqtt'],
  properties: {
    deviceType: { type: 'string' },
    deviceName: { type: 'string', title: 'Device name' },
    wifi: {
      type: 'object',
      title: 'Wi-Fi',
      properties: { ssid: { type: 'string' }, security: { enum: ['wpa2', 'wpa3'], description: 'Wi-Fi security mode' } },
    },
    mqtt: { $ref: '#/$defs/mqtt' },
  },
  $defs: { mqtt: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer', description: 'Broker port' } } } },
};

// Stored before the schema existed, by hand: `1.50` and the unknown key must survive the form untouched.
const DRIFTED = `{
  "deviceType": "sensor",
  "deviceName": "Porch",
  "wifi": { "ssid": "home", "security": "wep" },
  "mqtt": { "host": "broker", "port": 1883 },
  "calibration": { "offset": 1.50 }
}
`;

describe('schemas in the UI', () => {
  it('creates a schema with a dry run, flags a drifted config, fixes it in the form, refuses a bad value at its place', async () => {
    const { baseUrl, dir } = await startApp({ seed: { [`${MAC}.json`]: DRIFTED } });
    const { page, problems } = await openPage(browser, baseUrl);

    await page.goto('/schemas');
    await page.getByTestId('schemas-empty').waitFor();
    await page.getByTestId('new-schema').click();
    await page.getByTestId('schema-name').fill('sensor');
    await setEditorText(page, JSON.stringify(SCHEMA, null, 2));
    expect(await page.getByTestId('schema-save').isDisabled()).toBe(true);
    await page.getByTestId('schema-dry-run').click();
    const dryRun = page.getByTestId('dry-run-result');
    await eventually(() => dryRun.getAttribute('data-failing')).toBe('1');
    expect(await dryRun.textContent()).toMatch(/1 of 1 config would fail/);
    expect(await page.getByTestId('dry-run-failing').textContent()).toContain('/wifi/security is not one of: wpa2, wpa3');
    await page.getByTestId('schema-save').click();
    await eventually(() => page.getByTestId('schema-failing').textContent()).toBe('1 failing');
    expect(JSON.parse(await fs.readFile(path.join(dir, '.iot-config', 'schemas', 'sensor.json'), 'utf8'))).toEqual(SCHEMA);

    await page.goto('/devices');
    await eventually(() => page.getByTestId('schema-badge').textContent()).toContain('Fails sensor');
    // The box follows the URL, which the router updates a moment after the click.
    const failingOnly = page.getByTestId('failing-filter').locator('input');
    await failingOnly.click();
    await eventually(() => failingOnly.isChecked()).toBe(true);
    expect(new URL(page.url()).searchParams.get('schema')).toBe('failing');
    await eventually(() => page.getByTestId('device-row').count()).toBe(1);

    await openEditor(page, MAC);
    await eventually(() => page.getByTestId('schema-error').allTextContents()).toEqual(['/wifi/security is not one of: wpa2, wpa3']);
    await page.getByTestId('tab-form').click();
    const security = page.getByTestId('form-field-/wifi/security');
    await security.selectOption('"wpa3"');
    await eventually(() => page.getByTestId('schema-problems').count()).toBe(0);
    await page.getByTestId('save').click();
    await eventually(async () => (await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).includes('"wpa3"')).toBe(true);
    const stored = await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8');
    expect(stored).toContain('"offset": 1.50');
    expect(JSON.parse(stored).wifi).toEqual({ ssid: 'home', security: 'wpa3' });

    await page.getByTestId('tab-json').click();
    await setEditorText(page, stored.replace('"port": 1883', '"port": "1883"'));
    await eventually(() => page.getByTestId('schema-error').allTextContents()).toEqual(['/mqtt/port must be a whole number']);
    expect(await page.getByTestId('save').isDisabled()).toBe(true);
    // Underlined where the value is, with the pointer in the diagnostic.
    await eventually(() => page.locator('.cm-lintRange-error').allTextContents()).toContain('"port": "1883"');
    await page.locator('.cm-lintRange-error', { hasText: '"port": "1883"' }).hover();
    await eventually(() => page.locator('.cm-tooltip-lint').textContent()).toContain('/mqtt/port must be a whole number');
    // The schema's description on hover.
    await page.locator('.cm-line', { hasText: '"security"' }).getByText('"security"').hover();
    await eventually(() => page.getByTestId('schema-hover').textContent()).toContain('Wi-Fi security mode');
    const refused = await fetch(`${baseUrl}/api/configs/${MAC}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: { ...JSON.parse(stored), mqtt: { host: 'broker', port: '1883' } } }) });
    expect(refused.status).toBe(400);
    expect(JSON.parse(await fs.readFile(path.join(dir, `${MAC}.json`), 'utf8')).mqtt.port).toBe(1883);
    expect(problems).toEqual([]);
  });
});
