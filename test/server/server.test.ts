import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/free-port.js';
import { NPM_START, spawnServer, waitForServer, type ServerProcess } from '../helpers/server-process.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('server process', () => {
  it.each([
    [{ PORT: 'abc' }, 'Invalid setting PORT: expected a whole number from 0 to 65535, got "abc"'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid setting LOG_LEVEL'],
    [{ MAX_BODY_BYTES: 'lots' }, 'Invalid setting MAX_BODY_BYTES'],
  ])('stops with one clear line and exit code 1 for %j', async (env, message) => {
    const server = spawnServer(env);
    const { code } = await server.exited;
    expect(code).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(server.output()).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('run as `npm start` with a bad setting, prints that one line on stderr and nothing else there, and exits 1', async () => {
    const server = spawnServer({ PORT: 'abc' }, undefined, NPM_START);
    let stderr = '';
    server.child.stderr!.on('data', (chunk) => (stderr += chunk));
    expect((await server.exited).code).toBe(1);
    expect(stderr).toBe('Invalid setting PORT: expected a whole number from 0 to 65535, got "abc"\n');
    // npm's own banner names the script on stdout; nothing is built first.
    expect(server.output()).not.toMatch(/vite|tsc|building/i);
  });

  it('run as three `npm start` at once on one checkout, each on its own port and sharing one directory, all answer', async () => {
    const dir = await tempDir();
    const servers = await Promise.all([0, 1, 2].map(async () => spawnServer({ PORT: String(await freePort()), ESP32_CONFIGS_DIR: dir }, undefined, NPM_START)));
    await Promise.all(servers.map((server) => waitForServer(server)));
    const [first, second, third] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const put = await fetch(`${first.url}/api/configs/aa-bb-cc-dd-ee-ff`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: { deviceName: 'shared' } }),
    });
    expect(put.status).toBe(200);
    for (const server of [second, third]) {
      const res = await fetch(`${server.url}/api/configs/aa-bb-cc-dd-ee-ff.json`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ deviceName: 'shared' });
    }
  });

  it('stops with one line naming HOST and PORT, and exit code 1, when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void taken.close());
    const { port } = taken.address() as net.AddressInfo;
    const server = spawnServer({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'error', ESP32_CONFIGS_DIR: await tempDir() });
    expect((await server.exited).code).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port} \\(HOST, PORT\\): .*EADDRINUSE`));
  });

  it('does not blame HOST and PORT for a failure before listening', async () => {
    // ./data is a file, so the default ./data/configs cannot be created.
    const cwd = await tempDir();
    await fs.writeFile(path.join(cwd, 'data'), '');
    const server = spawnServer({ PORT: String(await freePort()), LOG_LEVEL: 'error' }, cwd);
    expect((await server.exited).code).toBe(1);
    expect(server.output()).toMatch(/Start-up failed: .*data/);
    expect(server.output()).not.toContain('HOST');
  });

  it('creates and uses ./data/configs when ESP32_CONFIGS_DIR is not set', async () => {
    const cwd = await tempDir();
    const port = await freePort();
    const server = spawnServer({ PORT: String(port) }, cwd);
    await waitForServer(server);
    const put = await fetch(`${server.url}/api/configs/aa-bb-cc-dd-ee-ff`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: { deviceName: 'x' } }),
    });
    expect(put.status).toBe(200);
    expect(JSON.parse(await fs.readFile(path.join(cwd, 'data/configs/aa-bb-cc-dd-ee-ff.json'), 'utf8'))).toEqual({ deviceName: 'x' });
  });

  it('starts with a missing ESP32_CONFIGS_DIR, logs an error, reports 503, and works once the directory appears', async () => {
    const missing = path.join(await tempDir(), 'missing');
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: missing });
    await waitForServer(server);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(503);
    expect(server.output()).toContain('Directory does not exist');
    // Each refused request is logged as a warning with the reason, without a stack: devices keep polling.
    expect((await fetch(`${server.url}/api/configs/aa-bb-cc-dd-ee-ff.json`)).status).toBe(503);
    await waitUntil(() => server.output().includes('"code":"STORAGE_UNAVAILABLE"'), 'the refused request logged');
    const refused = server.output().split('\n').find((line) => line.includes('"code":"STORAGE_UNAVAILABLE"'))!;
    expect(JSON.parse(refused)).toMatchObject({ level: 40, statusCode: 503, msg: expect.stringContaining('Directory does not exist') });
    expect(refused).not.toContain('stack');
    await expect(fs.access(missing)).rejects.toThrow();

    // Mounted late: the next probe finds it, the log says so, and writes work.
    await fs.mkdir(missing);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    await waitUntil(() => server.output().includes('Config storage is usable again'), 'the return of the directory logged');
    const put = await fetch(`${server.url}/api/configs/aa-bb-cc-dd-ee-ff`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: { deviceName: 'late' } }),
    });
    expect(put.status).toBe(200);
  });

  it('on SIGTERM lets an in-flight request finish, refuses new ones, and exits 0', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: dir });
    await waitForServer(server);
    const status = await uploadSlowlyAcross(server.url, () => server.child.kill('SIGTERM'));
    expect(status).toBe(200);
    expect((await server.exited).code).toBe(0);
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
    expect(JSON.parse(await fs.readFile(path.join(dir, 'aa-bb-cc-dd-ee-ff.json'), 'utf8')).deviceName).toBe('slow');
  });

  // A supervisor (docker stop, a process manager) signals the process it started: with `npm start`, npm. It
  // passes the signal on to its script's process, which must be the server itself, not a shell left in between.
  it('run as `npm start`, shuts down gracefully and exits 0 when npm alone gets SIGTERM, leaving no server behind', async () => {
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: await tempDir(), LOG_LEVEL: 'info' }, undefined, NPM_START);
    await waitForServer(server);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('Shutting down');
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
  });

  // Ctrl+C in a terminal, or systemd stopping the service, signals npm and the server at once, and npm passes its
  // copy on: the server gets the signal twice, and must not take the copy for a second request to stop at once.
  it.each(['SIGINT', 'SIGTERM'] as const)('run as `npm start`, lets a request in flight finish when %s reaches npm and the server alike', async (signal) => {
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: await tempDir(), LOG_LEVEL: 'info' }, undefined, NPM_START);
    await waitForServer(server);
    const status = await uploadSlowlyAcross(server.url, () => process.kill(-server.child.pid!, signal));
    expect(status).toBe(200);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('Shutting down');
    expect(server.output()).not.toContain('exiting at once');
  });

  it('exits 1 at once on SIGTERM during a shutdown that another signal began', async () => {
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: await tempDir(), LOG_LEVEL: 'info' });
    await waitForServer(server);
    await stallAnUpload(port);
    server.child.kill('SIGHUP');
    await waitUntil(() => server.output().includes('Shutting down'), 'the shutdown SIGHUP began');
    await expectExitAtOnce(server, 'SIGTERM');
  });

  it('exits 1 at once on a second stop signal more than a second after the first', async () => {
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: await tempDir() });
    await waitForServer(server);
    await stallAnUpload(port);
    server.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await expectExitAtOnce(server, 'SIGINT');
  });

  it('on SIGTERM closes a connection stalled mid-upload after 10 s, and still exits 0 with nothing written', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: dir, LOG_LEVEL: 'info' });
    await waitForServer(server);
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => undefined);
    // Promises 100 bytes, sends 10, and never the rest.
    socket.write('PUT /api/configs/aa-bb-cc-dd-ee-ff HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"content"');
    await waitUntil(() => server.output().includes('"method":"PUT"'), 'the upload to start', 10_000);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    await closed;
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(9_500);
    expect(received).toBe('');
    expect(server.output()).toContain('closing their connections');
    expect(server.output()).not.toContain('killed by timeout');
    expect(await fs.readdir(dir)).toEqual([]);
  }, 30_000);

  // The health route has its own 503 body in its schema: the envelope must not be serialised with it.
  it.each(['/api/configs/aa-bb-cc-dd-ee-ff.json', '/api/health'])('on SIGTERM answers a request for %s that arrives on an open connection with 503 SHUTTING_DOWN in the envelope, then closes it', async (url) => {
    const dir = await tempDir();
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), ESP32_CONFIGS_DIR: dir, LOG_LEVEL: 'info' });
    await waitForServer(server);
    const body = JSON.stringify({ content: { deviceName: 'slow' } });
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // An upload that waits for 100 Continue is in flight when the signal arrives; the next request is pipelined behind it.
    socket.write(`PUT /api/configs/aa-bb-cc-dd-ee-ff HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
    await waitUntil(() => received.includes('100 Continue'), '100 Continue', 10_000);
    server.child.kill('SIGTERM');
    await waitUntil(() => server.output().includes('Shutting down'), 'the shutdown log line', 10_000);
    socket.write(`${body}GET ${url} HTTP/1.1\r\nHost: x\r\nX-Request-Id: late-1\r\n\r\n`);
    await closed;

    const [saved, late] = received.split(/(?=HTTP\/1\.1 )/).filter((answer) => !answer.startsWith('HTTP/1.1 100 '));
    expect(saved).toMatch(/^HTTP\/1\.1 200 /);
    expect(late).toMatch(/^HTTP\/1\.1 503 /);
    expect(late).toMatch(/^connection: close$/im);
    expect(late).toMatch(/^x-content-type-options: nosniff$/im);
    expect(late).toMatch(/^x-request-id: late-1$/im);
    expect(late).toMatch(/^retry-after: 1$/im);
    expect(JSON.parse(late!.slice(late!.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'SHUTTING_DOWN', correlationId: 'late-1' });
    expect((await server.exited).code).toBe(0);
    // A refusal during a restart is no fault: nothing at error level.
    expect(server.output()).not.toContain('"level":50');
  });
});

/**
 * PUTs a config to `url` slowly enough that the request is still in flight when `signal` is called (after the
 * first bytes), and resolves to the answer's status.
 */
async function uploadSlowlyAcross(url: string, signal: () => void): Promise<number> {
  const body = JSON.stringify({ content: { deviceName: 'slow' } });
  const { request } = await import('node:http');
  return new Promise<number>((resolve, reject) => {
    const req = request(`${url}/api/configs/aa-bb-cc-dd-ee-ff`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.write(body.slice(0, 10));
    setTimeout(() => {
      signal();
      setTimeout(() => req.end(body.slice(10)), 300);
    }, 200);
  });
}

/** Starts an upload that never ends, which keeps a shutdown waiting (for 10 s at most); closed when the test ends. */
async function stallAnUpload(port: number): Promise<void> {
  const stalled = net.connect(port, '127.0.0.1');
  onTestFinished(() => void stalled.destroy());
  stalled.write(`PUT /api/configs/aa-bb-cc-dd-ee-ff HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"content":`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}

/** Sends `signal` to a server that is shutting down already, and expects it to exit 1 within 2 s, saying why. */
async function expectExitAtOnce(server: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  const sentAt = Date.now();
  server.child.kill(signal);
  expect((await server.exited).code).toBe(1);
  expect(Date.now() - sentAt).toBeLessThan(2_000);
  expect(server.output()).toContain(`Second ${signal} while shutting down: exiting at once`);
}
