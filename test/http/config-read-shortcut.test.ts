import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadSettings } from '../../src/settings.js';
import { configReadShortcut } from '../../src/config-read-shortcut.js';
import { AUTH_FAILURES_PER_MINUTE } from '../../src/http/plugins/auth.js';
import { MAC, sampleContent, tempDir } from '../helpers/app.js';
import { waitUntil } from '../helpers/wait-until.js';

const DEVICE_URLS = [`/api/configs/${MAC}.json`, `/esp32/config/${MAC}.json`];
const CONFIG_URL = `/api/configs/${MAC}`;

/** The real app on a real port and a fresh directory, holding one config, with the requests Fastify answered. */
async function listeningApp(env: Record<string, string> = {}) {
  const dir = await tempDir();
  const settings = loadSettings({ LOG_LEVEL: 'silent', ...env, ESP32_CONFIGS_DIR: dir });
  const app = await buildApp(settings);
  const routed: string[] = [];
  // onSend runs before every answer Fastify sends, even one refused by an earlier hook.
  app.addHook('onSend', (request, _reply, payload, done) => {
    routed.push(`${request.method} ${request.url}`);
    done(null, payload);
  });
  onTestFinished(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const headers = env.ADMIN_TOKEN === undefined ? {} : { authorization: `Bearer ${env.ADMIN_TOKEN}` };
  const saved = await app.inject({ method: 'PUT', url: CONFIG_URL, headers, payload: { content: sampleContent() } });
  expect(saved.statusCode).toBe(200);
  routed.length = 0;
  return { app, dir, settings, routed, port: (app.server.address() as AddressInfo).port, etag: saved.headers.etag as string };
}

interface Answer {
  status: number;
  /** Header names and values in the order sent, with the two that differ on every answer (Date, X-Request-Id) blanked. */
  headers: string[];
  requestId: string;
  body: string;
}

function fetchOver(port: number, url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ port, host: '127.0.0.1', path: url, method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const raw = response.rawHeaders;
        const headers = raw.map((value, i) => (i % 2 === 1 && ['date', 'x-request-id'].includes(raw[i - 1]!.toLowerCase()) ? '…' : value));
        resolve({ status: response.statusCode!, headers, requestId: response.headers['x-request-id'] as string, body });
      });
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('the config read shortcut', () => {
  // With tokens set, every request carries the admin token, which both kinds of route accept.
  it.each([
    ['no tokens', {}, {}],
    ['tokens', { ADMIN_TOKEN: 'admin-secret-0123456789', DEVICE_TOKEN: 'device-secret-0123456789' }, { authorization: 'Bearer admin-secret-0123456789' }],
  ])('answers a plain read without Fastify, header for header as the route does: the device fetch on both paths, 200 and 304, and the API read (%s)', async (_setting, env: Record<string, string>, authorization: Record<string, string>) => {
    const { port, routed, etag } = await listeningApp(env);
    for (const url of [...DEVICE_URLS, CONFIG_URL]) {
      // The MAC in capitals is the same config, but not the shortcut's case: Fastify's route answers it.
      const routedUrl = url.replace(MAC, MAC.toUpperCase());
      const variants: Record<string, string>[] = [{}, { 'if-none-match': etag }, { 'if-none-match': '"stale"' }, { 'x-request-id': 'device-42' }, { 'content-length': '0' }];
      for (const variant of variants) {
        const headers = { ...variant, ...authorization };
        routed.length = 0;
        const shortcut = await fetchOver(port, url, { headers });
        expect(routed).toEqual([]);
        const fromRoute = await fetchOver(port, routedUrl, { headers });
        expect(routed).toEqual([`GET ${routedUrl}`]);
        expect(shortcut).toEqual({ ...fromRoute, requestId: shortcut.requestId });
        expect(shortcut.status).toBe(headers['if-none-match'] === etag && url !== CONFIG_URL ? 304 : 200);
        expect(shortcut.headers).toContain('etag');
        if (headers['x-request-id'] !== undefined) expect(shortcut.requestId).toBe('device-42');
        else expect(shortcut.requestId).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
  });

  it('serves what is on disk at the time of the request', async () => {
    const { port, routed, dir } = await listeningApp();
    const before = await fetchOver(port, DEVICE_URLS[0]!);
    await fs.writeFile(path.join(dir, `${MAC}.json`), '{"deviceName":"edited by hand"}\n');
    const after = await fetchOver(port, DEVICE_URLS[0]!);
    expect(routed).toEqual([]);
    expect(after.body).toBe('{"deviceName":"edited by hand"}\n');
    expect(after.headers[after.headers.indexOf('etag') + 1]).not.toBe(before.headers[before.headers.indexOf('etag') + 1]);
  });

  it('records its answers in the metrics as the route would', async () => {
    const { app, port, routed, etag } = await listeningApp();
    for (const url of [...DEVICE_URLS, CONFIG_URL]) await fetchOver(port, url);
    await fetchOver(port, DEVICE_URLS[0]!, { headers: { 'if-none-match': etag } });
    expect(routed).toEqual([]);
    const metrics = (await app.inject('/metrics')).body;
    const series = [
      'http_request_duration_seconds_count{method="GET",route="/api/configs/:mac.json",status_code="200"} 1',
      'http_request_duration_seconds_count{method="GET",route="/api/configs/:mac.json",status_code="304"} 1',
      'http_request_duration_seconds_count{method="GET",route="/esp32/config/:mac.json",status_code="200"} 1',
      'http_request_duration_seconds_count{method="GET",route="/api/configs/:mac",status_code="200"} 1',
      'iot_config_operations_total{operation="get_raw",status="success"} 3',
      'iot_config_operation_duration_seconds_count{operation="get_raw"} 3',
      'iot_config_operations_total{operation="get",status="success"} 1',
      'iot_config_operation_duration_seconds_count{operation="get"} 1',
    ];
    for (const line of series) expect(metrics).toContain(`${line}\n`);
  });

  it('leaves to Fastify every request but the plain case, which it answers as before', async () => {
    const { port, routed, dir } = await listeningApp();
    const url = DEVICE_URLS[0]!;
    const cases: [string, Promise<Answer>, number][] = [
      ['HEAD', fetchOver(port, url, { method: 'HEAD' }), 200],
      ['a query', fetchOver(port, `${url}?v=1`), 200],
      ['an escaped MAC', fetchOver(port, url.replace('aa-', '%61a-')), 200],
      ['a body', fetchOver(port, url, { headers: { 'content-type': 'application/json', 'content-length': '2' }, body: '{}' }), 200],
      ['a chunked body', fetchOver(port, url, { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: '{}' }), 200],
      ['another method', fetchOver(port, url, { method: 'DELETE' }), 400],
      ['a config that does not exist', fetchOver(port, '/api/configs/00-11-22-33-44-55.json'), 404],
    ];
    for (const [what, answer, status] of cases) expect((await answer).status, what).toBe(status);
    expect(routed, routed.join(", ")).toHaveLength(cases.length);

    routed.length = 0;
    await fs.writeFile(path.join(dir, `${MAC}.json`), '{"broken": ');
    const broken = await fetchOver(port, url);
    expect(broken.status).toBe(500);
    expect(JSON.parse(broken.body)).toMatchObject({ code: 'INVALID_STORED_CONFIG' });
    expect(routed).toEqual([`GET ${url}`]);
  });

  it('leaves a fetch to Fastify when it fails before answering, and keeps its answer when it fails after', async () => {
    const { app, port, routed } = await listeningApp();
    vi.spyOn(app.configStore, 'readNow').mockImplementationOnce(() => {
      throw new Error('the store failed');
    });
    const left = await fetchOver(port, DEVICE_URLS[0]!);
    expect(left.status).toBe(200);
    expect(routed).toEqual([`GET ${DEVICE_URLS[0]}`]);

    routed.length = 0;
    vi.spyOn(app.metrics, 'recordResponse').mockImplementationOnce(() => {
      throw new Error('the metrics failed');
    });
    const kept = await fetchOver(port, DEVICE_URLS[0]!);
    expect(kept).toEqual({ ...left, requestId: kept.requestId });
    expect(routed).toEqual([]);
    // And the service goes on answering.
    expect(await fetchOver(port, DEVICE_URLS[1]!)).toMatchObject({ status: 200, body: left.body });
  });

  it('lets a valid token through as the route does, and leaves any other to Fastify, which refuses it', async () => {
    const device = 'device-secret-0123456789';
    const admin = 'admin-secret-0123456789';
    const { port, routed } = await listeningApp({ DEVICE_TOKEN: device, ADMIN_TOKEN: admin });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const deviceUrl = DEVICE_URLS[0]!;
    for (const [url, token] of [[deviceUrl, device], [deviceUrl, admin], [CONFIG_URL, admin]] as const) {
      expect((await fetchOver(port, url, { headers: bearer(token) })).status, `${url} with ${token}`).toBe(200);
    }
    expect(routed).toEqual([]);

    const refused: [string, Record<string, string>][] = [[deviceUrl, {}], [CONFIG_URL, {}], [CONFIG_URL, bearer(device)], [deviceUrl, bearer('not-a-token-0123456789')]];
    for (const [url, headers] of refused) expect((await fetchOver(port, url, { headers })).status, `${url} with ${JSON.stringify(headers)}`).toBe(401);
    expect(routed).toHaveLength(refused.length);

    // Past the failed attempts allowed, the address is refused even with a valid token, as by the route.
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i++) await fetchOver(port, deviceUrl, { headers: bearer('not-a-token-0123456789') });
    routed.length = 0;
    expect((await fetchOver(port, deviceUrl, { headers: bearer(device) })).status).toBe(429);
    expect(routed).toEqual([`GET ${deviceUrl}`]);
  });

  it.each([
    ['ADMIN_TOKEN', DEVICE_URLS[0]!, CONFIG_URL],
    ['DEVICE_TOKEN', CONFIG_URL, DEVICE_URLS[0]!],
  ])('with only %s set, answers the routes it leaves open and leaves the others to Fastify', async (variable, open, closed) => {
    const { port, routed } = await listeningApp({ [variable]: 'only-secret-0123456789' });
    expect((await fetchOver(port, open)).status).toBe(200);
    expect(routed).toEqual([]);
    expect((await fetchOver(port, closed)).status).toBe(401);
    expect((await fetchOver(port, closed, { headers: { authorization: 'Bearer only-secret-0123456789' } })).status).toBe(200);
    expect(routed).toEqual([`GET ${closed}`]);
  });

  it('is not taken when Fastify has work to do on every request: CORS, request logs', async () => {
    const withCors = await listeningApp({ CORS_ORIGINS: 'https://dashboard.example' });
    const cors = await fetchOver(withCors.port, DEVICE_URLS[0]!, { headers: { origin: 'https://dashboard.example' } });
    expect(cors.headers).toContain('https://dashboard.example');
    expect(withCors.routed).toHaveLength(1);

    for (const level of ['info', 'debug', 'trace']) {
      expect(configReadShortcut(withCors.app, loadSettings({ LOG_LEVEL: level, ESP32_CONFIGS_DIR: withCors.dir }), () => false)).toBeUndefined();
    }
    expect(configReadShortcut(withCors.app, loadSettings({ LOG_LEVEL: 'warn', ESP32_CONFIGS_DIR: withCors.dir }), () => false)).toBeTypeOf('function');
  });

  it('counts a remote device against the per-client limit as Fastify does, and leaves it to Fastify once over', async () => {
    const { app, settings } = await listeningApp({ RATE_LIMIT_PER_MINUTE: '3' });
    const shortcut = configReadShortcut(app, settings, () => false)!;
    const remote = '192.0.2.44';
    // A request and a response as node:http gives them, from a remote address that a socket on loopback cannot have.
    const exchange = () => {
      const sent: { status?: number; body?: unknown } = {};
      const request = { method: 'GET', url: DEVICE_URLS[0], headers: {}, socket: { remoteAddress: remote } } as unknown as IncomingMessage;
      const response = {
        writeHead(status: number) {
          sent.status = status;
          return this;
        },
        end(body?: unknown) {
          sent.body = body;
        },
      } as unknown as ServerResponse;
      return { answered: shortcut(request, response), sent };
    };
    expect((await app.inject({ url: DEVICE_URLS[1], remoteAddress: remote })).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect(exchange()).toMatchObject({ answered: true, sent: { status: 200 } });
    // The fourth request of the minute: over the limit, left to Fastify with nothing sent, which refuses it.
    expect(exchange()).toEqual({ answered: false, sent: {} });
    const refused = await app.inject({ url: DEVICE_URLS[0], remoteAddress: remote });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('leaves to Fastify a fetch that arrives while the service shuts down, which refuses it with SHUTTING_DOWN', async () => {
    const { app, port, routed } = await listeningApp();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    const body = JSON.stringify({ content: sampleContent('in flight') });
    // An upload waiting for 100 Continue keeps the connection busy while the app closes; a fetch is pipelined behind it.
    socket.write(`PUT /api/configs/${MAC} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
    await waitUntil(() => received.includes('100 Continue'), '100 Continue', 10_000);
    const closing = app.close();
    socket.write(`${body}GET ${DEVICE_URLS[0]} HTTP/1.1\r\nHost: x\r\nX-Request-Id: late-1\r\n\r\n`);
    await closed;
    await closing;
    const late = received.split(/(?=HTTP\/1\.1 )/).at(-1)!;
    expect(late).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(late.slice(late.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'SHUTTING_DOWN', correlationId: 'late-1' });
    expect(routed).toContain(`GET ${DEVICE_URLS[0]}`);
  });
});
