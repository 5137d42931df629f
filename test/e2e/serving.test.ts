import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import errorHandler from '../../src/http/plugins/error-handler.js';
import ui from '../../src/http/plugins/ui.js';
import { buildTestApp, tempDir } from '../helpers/app.js';
import { assertUiBuilt } from './harness.js';

describe('serving the built UI', () => {
  it('redirects / to /devices and answers every client route with index.html, revalidated on each load', async () => {
    assertUiBuilt();
    const { app } = await buildTestApp();
    const root = await app.inject({ url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/devices');

    for (const url of ['/devices', '/devices/new', '/devices/aa-bb-cc-dd-ee-ff', '/devices?q=kitchen']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('<div id="root"></div>');
      // Nothing inline: the page runs under script-src 'self'.
      expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });

  it('caches hashed assets for a year and answers a missing asset with the JSON 404 envelope', async () => {
    const { app } = await buildTestApp();
    const index = await app.inject({ url: '/devices' });
    const script = /<script[^>]+src="(\/static\/[^"]+\.js)"/.exec(index.body)![1]!;
    const asset = await app.inject({ url: script });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    for (const url of ['/static/missing-0000.js', '/static/..%2f..%2fpackage.json', '/static/%2e%2e/index.html']) {
      const missing = await app.inject({ url });
      expect(missing.statusCode, url).toBe(404);
      expect(missing.headers['cache-control'], url).toBeUndefined();
      expect(missing.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    }
    const favicon = await app.inject({ url: '/favicon.svg' });
    expect(favicon.statusCode).toBe(200);
    expect(favicon.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('never swallows the API, /metrics or the legacy device path, and keeps the envelope for unknown routes', async () => {
    const { app } = await buildTestApp();
    for (const url of ['/api/nope', '/api/configs/aa-bb-cc-dd-ee-ff/extra', '/esp32/nope', '/metrics/nope', '/nope', '/devices/a/b']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/^application\/json/);
      expect(response.json(), url).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    }
    expect((await app.inject({ url: '/api/configs' })).json()).toMatchObject({ count: 0 });
    expect((await app.inject({ url: '/metrics' })).body).toContain('iot_config_operations_total');
    const wrongMethod = await app.inject({ method: 'DELETE', url: '/devices' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('answers a browser at an unknown address with the UI (status 404), which says the page is not found', async () => {
    const { app } = await buildTestApp();
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    for (const url of ['/nope', '/Devices', '/devices/a/b']) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/^text\/html/);
      expect(response.body).toContain('<div id="root"></div>');
    }
    // The API, the metrics and the devices' paths keep the envelope, even for a browser.
    for (const url of ['/api/nope', '/metrics/nope', '/esp32/nope', '/api']) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    }
    expect((await app.inject({ method: 'POST', url: '/nope', headers: html })).json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    // Always the whole page, never revalidated or cut: a 404 must not turn into a bodiless or partial answer.
    const index = await app.inject({ url: '/devices' });
    for (const conditional of [{ 'if-none-match': String(index.headers.etag) }, { 'if-modified-since': String(index.headers['last-modified']) }, { range: 'bytes=0-9' }]) {
      const response = await app.inject({ url: '/nope', headers: { ...html, ...conditional } });
      expect(response.statusCode, JSON.stringify(conditional)).toBe(404);
      expect(response.body).toBe(index.body);
      expect(response.headers.etag).toBeUndefined();
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('keeps the UI routes out of the OpenAPI document', async () => {
    const { app } = await buildTestApp();
    const paths = Object.keys((await app.inject({ url: '/api/docs/openapi.json' })).json<{ paths: object }>().paths);
    expect(paths.some((path) => path.startsWith('/devices') || path.startsWith('/static'))).toBe(false);
  });
});

describe('without a UI build', () => {
  it('still starts, says how to build the UI at /, and leaves every other route to the API', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorHandler);
    await app.register(ui, { root: await tempDir('no-ui-') });
    const root = await app.inject({ url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toMatch(/^text\/plain/);
    expect(root.body).toContain('npm run build');
    expect((await app.inject({ url: '/devices' })).statusCode).toBe(404);
    const fromBrowser = await app.inject({ url: '/devices', headers: { accept: 'text/html' } });
    expect(fromBrowser.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    await app.close();
  });
});
