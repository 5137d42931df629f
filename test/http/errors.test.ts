import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildTestApp, MAC } from '../helpers/app.js';

/** Sends a request line as is (no client-side URL normalisation) to a listening app and returns status and body. */
async function rawRequest(port: number, target: string): Promise<{ status: number; body: string }> {
  const response = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  const [head, body = ''] = response.split('\r\n\r\n');
  return { status: Number(head!.split(' ')[1]), body };
}

describe('error envelope', () => {
  it('answers unknown routes with 404 ROUTE_NOT_FOUND in the envelope', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject('/api/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: 'No route for GET /api/nothing-here',
      code: 'ROUTE_NOT_FOUND',
      details: {},
      correlationId: res.headers['x-request-id'],
    });
  });

  it('answers a wrong method with 405 METHOD_NOT_ALLOWED and an Allow header', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ method: 'PATCH', url: `/api/configs/${MAC}` });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, PUT, DELETE');
    expect(res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED', correlationId: expect.any(String) });
    const onList = await app.inject({ method: 'DELETE', url: '/api/configs' });
    expect(onList.statusCode).toBe(405);
    expect(onList.headers.allow).toBe('GET, HEAD');
    // Every method the Allow header names is answered.
    expect((await app.inject({ method: 'HEAD', url: '/api/configs' })).statusCode).toBe(200);
  });

  it('answers 404, not 405, when a route of the request method finds nothing (a missing file of the API docs)', async () => {
    const { app } = await buildTestApp();
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await app.inject({ method, url: '/api/docs/static/no-such-file.js' });
      expect(res.statusCode, method).toBe(404);
      expect(res.headers.allow, method).toBeUndefined();
    }
    expect((await app.inject({ url: '/api/docs/static/no-such-file.js' })).json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    expect((await app.inject({ method: 'DELETE', url: '/api/docs/static/no-such-file.js' })).statusCode).toBe(405);
  });

  it('echoes a sane X-Request-Id as correlationId and header', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: '/api/configs/bad', headers: { 'x-request-id': 'abc.DEF_123-x' } });
    expect(res.headers['x-request-id']).toBe('abc.DEF_123-x');
    expect(res.json().correlationId).toBe('abc.DEF_123-x');
  });

  it.each(['has spaces', 'x'.repeat(129), 'semi;colon', ''])('replaces an unsafe X-Request-Id %j with a UUID', async (id) => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: '/api/configs/bad', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.json().correlationId).toBe(res.headers['x-request-id']);
  });

  it('sets X-Request-Id on successful responses too', async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: '/api/health', headers: { 'x-request-id': 'probe-1' } });
    expect(res.headers['x-request-id']).toBe('probe-1');
  });

  it('hides internal error messages and stacks on 5xx', async () => {
    const { app } = await buildTestApp();
    app.configStore.read = async () => {
      throw new Error('secret internal detail at /srv/x.ts:12');
    };
    const res = await app.inject(`/api/configs/${MAC}`);
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'INTERNAL_ERROR', error: 'Internal server error', details: {} });
    expect(res.body).not.toContain('secret');
  });

  it('gives 400 INVALID_OPERATION for dot segments sent as is over a real socket, and BAD_REQUEST for an escape that does not decode', async () => {
    const { app } = await buildTestApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as net.AddressInfo).port;
    for (const target of ['/api/configs/..', '/api/configs/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/esp32/config/...json']) {
      const res = await rawRequest(port, target);
      expect(res.status, target).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'INVALID_OPERATION' });
    }
    // A % escape that does not decode, or a target that is no http URL, is a malformed request, not a malformed MAC.
    for (const target of ['/api/configs/%E0%A4%A', '/api/configs/%zz', '/esp32/config/%zz.json', 'ftp://x/api/health']) {
      const malformed = await rawRequest(port, target);
      expect(malformed.status, target).toBe(400);
      expect(JSON.parse(malformed.body)).toMatchObject({ code: 'BAD_REQUEST', error: expect.stringContaining('URL is malformed'), correlationId: expect.any(String) });
    }
  });
});

describe('overlong URLs', () => {
  it('are not echoed back whole in 404 and 405 messages', async () => {
    const { app } = await buildTestApp();
    const long = `/nowhere/${'a'.repeat(5000)}`;
    const notFound = await app.inject(long);
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json().error.length).toBeLessThan(300);
    const wrongMethod = await app.inject({ method: 'PATCH', url: '/api/configs' });
    expect(wrongMethod.json().error).toContain('/api/configs');
  });
});
