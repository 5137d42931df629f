import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect, onTestFinished } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadSettings } from '../../src/settings.js';
import { PACKAGE_ROOT } from '../../src/package-info.js';
import { DEFAULT_UI_ROOT } from '../../src/http/plugins/ui.js';
import { tempDir } from '../helpers/app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(PACKAGE_ROOT, 'test-results', 'screenshots');

/** The policy the service sends; the tests also impose it, so the UI is proven to run under it. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** The e2e tests drive the production build; `npm test` builds it before running them. */
export function assertUiBuilt(): void {
  if (!existsSync(path.join(DEFAULT_UI_ROOT, 'index.html'))) {
    throw new Error(`The web UI is not built (${DEFAULT_UI_ROOT}); run \`npm run build\` before the e2e tests`);
  }
}

export async function launchBrowser(): Promise<Browser> {
  assertUiBuilt();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
}

/**
 * expect.poll with room for a loaded machine (the whole suite shares two
 * cores): a state that shows up in time passes as soon as it does.
 */
export function eventually<T>(value: () => T | Promise<T>) {
  return expect.poll(value, { timeout: 10_000, interval: 50 });
}

export interface RunningApp {
  app: FastifyInstance;
  dir: string;
  baseUrl: string;
}

/**
 * The real app (service plus built UI) on a fresh temp directory, listening
 * on a free loopback port; closed when the test ends. `seed` files are
 * written before it starts, as a person would have left them.
 */
export async function startApp(options: { env?: Record<string, string>; seed?: Record<string, string> } = {}): Promise<RunningApp> {
  const dir = options.env?.ESP32_CONFIGS_DIR ?? (await tempDir('iot-e2e-'));
  for (const [name, text] of Object.entries(options.seed ?? {})) await fs.writeFile(path.join(dir, name), text);
  const app = await buildApp(loadSettings({ LOG_LEVEL: 'silent', ESP32_CONFIGS_DIR: dir, ...options.env }));
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CSP);
  });
  onTestFinished(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, dir, baseUrl: `http://127.0.0.1:${port}` };
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** CSP violations, uncaught errors and console warnings seen so far; a test ends with none. */
  problems: string[];
}

/** A fresh browser context (own storage) with one page; closed when the test ends. */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark'; reviewBeforeSave?: boolean } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: options.viewport ?? DESKTOP,
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  onTestFinished(() => context.close());
  // Save shows a review first unless turned off; the tests of other features save in one click, as with it off.
  if (!options.reviewBeforeSave) await context.addInitScript("localStorage.setItem('iot-config-manager.skip-save-review', 'true')");
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
    else if (message.type() === 'warning') problems.push(`console warning: ${text}`);
  });
  return { page, context, problems };
}

export const CONFIG_HEADERS = { 'content-type': 'application/json' };

/** Saves a config through the API, as another admin or a script would. Returns the new ETag. */
export async function putConfig(
  baseUrl: string,
  mac: string,
  content: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await fetch(`${baseUrl}/api/configs/${mac}`, {
    method: 'PUT',
    headers: { ...CONFIG_HEADERS, ...headers },
    body: JSON.stringify({ content }),
  });
  if (!response.ok) throw new Error(`PUT ${mac} failed: ${response.status} ${await response.text()}`);
  return response.headers.get('etag')!;
}

/** The config file as stored on disk, parsed; null when there is no file. */
export async function readStored(dir: string, mac: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, `${mac}.json`), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function storedFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => name.endsWith('.json')).sort();
}

/** Replaces the editor's whole text as a person would: select all, then type (paste-like). */
export async function setEditorText(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('json-editor-input');
  await input.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** The editor's current text. */
export async function editorText(page: Page): Promise<string> {
  return (await page.getByTestId('json-editor-input').locator(':scope > .cm-line').allTextContents()).join('\n');
}

export interface RecordedCall {
  method: string;
  path: string;
  ifMatch: string | undefined;
  body: string | null;
}

/** Every API call that changes something (not GET, nor the editor's validation as you type), as the page sends it. */
export function recordWrites(page: Page): RecordedCall[] {
  const calls: RecordedCall[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/api/') || request.method() === 'GET' || url.pathname.endsWith('/validate')) return;
    calls.push({ method: request.method(), path: url.pathname, ifMatch: request.headers()['if-match'], body: request.postData() });
  });
  return calls;
}

// page.evaluate() with source text: the server tsconfig these tests compile under has no DOM types.

export async function sessionItem(page: Page, key: string): Promise<string | null> {
  return page.evaluate<string | null>(`sessionStorage.getItem(${JSON.stringify(key)})`);
}

export async function setSessionItem(page: Page, key: string, value: string): Promise<void> {
  await page.evaluate(`sessionStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(value)})`);
}

/** The page's full width; more than the viewport means a horizontal scrollbar. */
export async function scrollWidth(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}

/** The editor's text parsed, or undefined while it is not (yet) valid JSON: for polling after a navigation. */
export async function editorJson(page: Page): Promise<unknown> {
  try {
    return JSON.parse(await editorText(page)) as unknown;
  } catch {
    return undefined;
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  // Let toasts and transitions settle so the picture shows the steady state.
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export function sample(name: string, entity: string, ota: boolean | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { deviceName: name, deviceEntityId: entity, ...(ota === null ? {} : { enableOTA: ota }), ...extra };
}

/** The text of the latest toast. */
export function toastText(page: Page): Promise<string | null> {
  return page.getByTestId('toast').last().textContent();
}

/** The path the page is on. */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** Opens the editor of `mac` and waits for it to be ready. */
export async function openEditor(page: Page, mac: string): Promise<void> {
  await page.goto(`/devices/${mac}`);
  await page.getByTestId('json-editor-input').waitFor();
}

/**
 * The WCAG contrast ratio of an element's text colour against its own background colour (both opaque `rgb()`),
 * as the browser computed them.
 */
export async function contrastRatio(locator: Locator): Promise<number> {
  const [text, background] = await locator.evaluate((element) => {
    // Runs in the page; the tests' TypeScript has no DOM types.
    const style = (globalThis as unknown as { getComputedStyle(of: unknown): { color: string; backgroundColor: string } }).getComputedStyle(element);
    return [style.color, style.backgroundColor] as const;
  });
  const luminance = (css: string): number => {
    const [r, g, b] = css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((channel) => {
      const value = Number(channel) / 255;
      return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [lighter, darker] = [luminance(text), luminance(background)].sort((a, b) => b - a) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}
