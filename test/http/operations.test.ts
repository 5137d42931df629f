import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildTestApp, MAC, tempDir } from '../helpers/app.js';

describe('GET /api/health', () => {
  it('is healthy on a usable directory', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject('/api/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'healthy' });
  });

  it('is 503 with the reason when the directory does not exist, and config routes are 503 STORAGE_UNAVAILABLE', async () => {
    const missing = path.join(await tempDir(), 'not-mounted');
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: missing });
    const health = await app.inject('/api/health');
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'unhealthy', reason: `Directory does not exist: ${missing}` });
    // Liveness does not depend on storage: a restart would not bring the volume back.
    const live = await app.inject('/api/health/live');
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'alive' });
    for (const request of [
      { method: 'GET' as const, url: '/api/configs' },
      { method: 'GET' as const, url: `/api/configs/${MAC}` },
      { method: 'GET' as const, url: `/api/configs/${MAC}.json` },
      { method: 'PUT' as const, url: `/api/configs/${MAC}`, payload: { content: {} } },
      { method: 'DELETE' as const, url: `/api/configs/${MAC}` },
      { method: 'POST' as const, url: `/api/configs/${MAC}/rename`, payload: { new_mac_address: '11-22-33-44-55-66' } },
    ]) {
      const res = await app.inject(request);
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(503);
      expect(res.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE', error: expect.stringContaining('Directory does not exist') });
    }
    // The missing mount is never papered over with a local folder.
    await expect(fs.access(missing)).rejects.toThrow();
  });

  it('recovers by itself when the directory appears', async () => {
    const missing = path.join(await tempDir(), 'late-mount');
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: missing });
    expect((await app.inject('/api/configs')).statusCode).toBe(503);
    await fs.mkdir(missing);
    expect((await app.inject('/api/health')).statusCode).toBe(200);
    expect((await app.inject('/api/configs')).statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } })).statusCode).toBe(200);
  });

  it('is 503 when the volume mounted at the directory is unmounted, and works again once it is back', async (context) => {
    const mountPoint = await tempDir('iot-mount-');
    // A file left beneath the mount point (written while the volume was not mounted): never to be served.
    await fs.writeFile(path.join(mountPoint, `${MAC}.json`), '{"v": "beneath"}');
    const mount = () => execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    try {
      mount();
    } catch {
      context.skip('needs root, to mount a tmpfs');
    }
    const unmount = () => execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    onTestFinished(() => {
      try {
        unmount();
      } catch {
        // Not mounted any more.
      }
    });
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: mountPoint });
    expect((await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { v: 1 } } })).statusCode).toBe(200);

    // Unmounted, the directory is still there, empty, on its parent's filesystem.
    unmount();
    const health = await app.inject('/api/health');
    expect(health.statusCode).toBe(503);
    const gone = `The volume mounted at ${mountPoint} is gone (unmounted?): the directory is now on its parent's filesystem`;
    expect(health.json()).toMatchObject({ status: 'unhealthy', reason: gone });
    await app.configStore.refreshListing().catch(() => undefined);
    for (const request of [
      { method: 'GET' as const, url: '/api/configs' },
      { method: 'GET' as const, url: `/api/configs/${MAC}.json` },
      { method: 'GET' as const, url: `/api/configs/${MAC}` },
      { method: 'PUT' as const, url: `/api/configs/${MAC}`, payload: { content: { v: 2 } } },
      { method: 'PUT' as const, url: '/api/configs/11-22-33-44-55-66', payload: { content: {} } },
    ]) {
      const res = await app.inject(request);
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(503);
      expect(res.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE', details: { reason: gone } });
    }
    // Nothing was written to the wrong disk.
    expect(await fs.readdir(mountPoint)).toEqual([`${MAC}.json`]);

    // A volume mounted again (here an empty one) is used again.
    mount();
    expect((await app.inject('/api/health')).statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: { v: 3 } } })).statusCode).toBe(200);
  });

  it('notices a volume mounted after start-up, and its unmounting', async (context) => {
    const mountPoint = await tempDir('iot-mount-');
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: mountPoint });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      context.skip('needs root, to mount a tmpfs');
    }
    let mounted = true;
    onTestFinished(() => void (mounted && execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' })));
    // Any look at the directory, here a list, sees the volume.
    expect((await app.inject('/api/configs')).statusCode).toBe(200);
    execFileSync('umount', ['-l', mountPoint]);
    mounted = false;
    expect((await app.inject('/api/health')).statusCode).toBe(503);
    const put = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } });
    expect(put.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(await fs.readdir(mountPoint)).toEqual([]);
  });

  it('is 503 when the path is not a directory', async () => {
    const file = path.join(await tempDir(), 'a-file');
    await fs.writeFile(file, 'x');
    const { app } = await buildTestApp({ ESP32_CONFIGS_DIR: file });
    const res = await app.inject('/api/health');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unhealthy', reason: `Path is not a directory: ${file}` });
    expect((await app.inject(`/api/configs/${MAC}`)).json().code).toBe('STORAGE_UNAVAILABLE');
  });
});

describe('GET /metrics', () => {
  it('counts operations by outcome, times them, and reports the valid files count', async () => {
    const { app, dir } = await buildTestApp();
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} } });
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: 1 } });
    await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content: {} , allow_overwrite: false } });
    await app.inject('/api/configs/nope');
    await app.inject('/api/configs/11-22-33-44-55-66');
    await app.inject(`/api/configs/${MAC}.json`);
    await app.inject('/api/configs');
    await fs.writeFile(path.join(dir, '11-11-11-11-11-11.json'), '{"deviceName": "by hand"}');
    await fs.writeFile(path.join(dir, '22-22-22-22-22-22.json'), 'not json');

    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain('iot_config_operations_total{operation="save",status="success"} 1');
    expect(text).toContain('iot_config_operations_total{operation="save",status="invalid_body"} 1');
    expect(text).toContain('iot_config_operations_total{operation="save",status="conflict"} 1');
    expect(text).toContain('iot_config_operations_total{operation="get",status="invalid_mac"} 1');
    expect(text).toContain('iot_config_operations_total{operation="get",status="not_found"} 1');
    expect(text).toContain('iot_config_operations_total{operation="get_raw",status="success"} 1');
    expect(text).toContain('iot_config_operations_total{operation="list",status="success"} 1');
    expect(text).toMatch(/iot_config_operation_duration_seconds_count\{operation="save"\} 3/);
    expect(text).toContain('iot_config_files_count 2');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="PUT",route="\/api\/configs\/:mac_address",status_code="200"\} 1/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('counts refused clients (401, 429) apart from errors', async () => {
    const { app } = await buildTestApp({ ADMIN_TOKEN: 'secret-admin-token', RATE_LIMIT_PER_MINUTE: '3' });
    const client = { remoteAddress: '192.0.2.9' };
    for (let i = 0; i < 4; i++) await app.inject({ url: '/api/configs', ...client });
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain('iot_config_operations_total{operation="list",status="refused"} 4');
    expect(text).not.toMatch(/iot_config_operations_total\{operation="list",status="error"\} [1-9]/);
  });

  it('keeps metrics per app instance', async () => {
    const { app: first } = await buildTestApp();
    const { app: second } = await buildTestApp();
    await first.inject('/api/configs');
    expect((await second.inject('/metrics')).body).not.toContain('iot_config_operations_total{operation="list"');
  });
});

describe('API docs', () => {
  it('serves Swagger UI at /api/docs', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject('/api/docs/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Swagger UI');
  });

  it('describes every route with its request and responses, errors included', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject('/api/docs/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/audit',
        '/api/configs',
        '/api/configs/{mac_address}',
        '/api/configs/{mac_address}.json',
        '/api/configs/{mac_address}/history',
        '/api/configs/{mac_address}/history/{version}',
        '/api/configs/{mac_address}/history/{version}/restore',
        '/api/configs/{mac_address}/rename',
        '/api/export',
        '/api/configs/{mac_address}/validate',
        '/api/configs/bulk',
        '/api/configs/checks',
        '/api/configs/search',
        '/api/health',
        '/api/health/live',
        '/api/history/deleted',
        '/api/images/lvgl',
        '/api/import',
        '/api/schemas',
        '/api/schemas/{name}',
        '/esp32/config/{mac_address}.json',
        '/metrics',
        '/api/devices/unknown',
        '/api/assets',
        '/api/assets/{filename}',
        '/assets/{filename}',
      ].sort(),
    );
    const put = doc.paths['/api/configs/{mac_address}'].put;
    expect(put.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(put.responses).sort()).toEqual(['200', '400', '401', '409', '412', '413', '415', '429', '500', '503', '507']);
    expect(Object.keys(doc.paths['/api/configs/{mac_address}.json'].get.responses)).toEqual(expect.arrayContaining(['200', '304', '400', '404', '500']));
    expect(doc.components.schemas.ErrorResponse.properties).toHaveProperty('correlationId');
    // The health body when unhealthy, the envelope when shutting down.
    expect(JSON.stringify(doc.paths['/api/health'].get.responses['503'])).toMatch(/HealthResponse.*ErrorResponse/);
    // Probes are never limited; the shutdown refusal is the liveness route's only error.
    expect(Object.keys(doc.paths['/api/health'].get.responses).sort()).toEqual(['200', '503']);
    expect(Object.keys(doc.paths['/api/health/live'].get.responses).sort()).toEqual(['200', '503']);
    // Errors are JSON even where the answer itself is text.
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
    expect(Object.keys(doc.paths['/metrics'].get.responses['429'].content)).toEqual(['application/json']);
    expect(doc.paths['/api/configs'].get.responses['200'].content['application/json'].schema).toBeDefined();
    expect([doc.paths['/api/configs/bulk'].post, doc.paths['/api/configs/checks'].get, doc.paths['/api/configs/search'].get].map((op) => op.operationId)).toEqual([
      'bulkEditConfigs',
      'checkFleet',
      'searchConfigs',
    ]);
    expect(doc.paths['/api/configs/bulk'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(doc.components.schemas.BulkResult.title).toBe('BulkResult');
    const upload = doc.paths['/api/assets'].post;
    expect(upload.operationId).toBe('uploadAsset');
    expect(upload.requestBody.content['multipart/form-data'].schema.required).toEqual(['file', 'timestamp', 'signature']);
  });
});

describe('CORS', () => {
  it('allows only the configured origins', async () => {
    const { app } = await buildTestApp({ CORS_ORIGINS: 'https://admin.example.org' });
    const allowed = await app.inject({ url: '/api/configs', headers: { origin: 'https://admin.example.org' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.org');
    const other = await app.inject({ url: '/api/configs', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets an allowed page save, delete and rename, with the headers the API needs', async () => {
    const origin = 'https://admin.example.org';
    const { app } = await buildTestApp({ CORS_ORIGINS: origin });
    for (const method of ['PUT', 'DELETE', 'POST']) {
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: `/api/configs/${MAC}`,
        headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, if-match, authorization' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(String(preflight.headers['access-control-allow-methods']).split(/,\s*/)).toContain(method);
      expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/if-match/i);
    }
    const saved = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, headers: { origin }, payload: { content: { deviceName: 'x' } } });
    expect(saved.statusCode).toBe(200);
    expect(saved.headers['access-control-allow-origin']).toBe(origin);
    expect(String(saved.headers['access-control-expose-headers'])).toMatch(/ETag/);
  });

  it('allows every origin with CORS_ORIGINS=*', async () => {
    const { app } = await buildTestApp({ CORS_ORIGINS: '*' });
    const res = await app.inject({ url: '/api/configs', headers: { origin: 'https://anywhere.example' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('sends no CORS headers by default', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: '/api/configs', headers: { origin: 'https://admin.example.org' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
