import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../helpers/free-port.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built server; RELIABILITY_SERVER_ENTRY runs the suite against another build (e.g. of an older commit). */
export const SERVER_ENTRY = process.env.RELIABILITY_SERVER_ENTRY ?? path.join(ROOT, 'dist/server/server.js');

/** Newest modification time of any file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Compiles the server when dist/ is missing or older than src/, so the suite always runs the code in the tree. */
export function ensureBuilt(log: (line: string) => void): void {
  if (process.env.RELIABILITY_SERVER_ENTRY) return;
  const built = fs.existsSync(SERVER_ENTRY) ? newestMtime(path.join(ROOT, 'dist/server')) : 0;
  if (built >= newestMtime(path.join(ROOT, 'src'))) return;
  log('building the server (npm run build:server)');
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: 'inherit', timeout: 180_000 });
}

/**
 * Whether process `pid` owns the socket listening on loopback `port` (Linux
 * /proc). A free port found by {@link freePort} can be taken by another
 * process on this shared machine before our server binds it; then that
 * process would answer our requests.
 */
function listensOn(pid: number, port: number): boolean {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket inode.
      if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port) inodes.add(fields[9]!);
    }
  }
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      return inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '');
    });
  } catch {
    return false;
  }
}

const running = new Set<ChildProcess>();
// However the suite ends (a failure, the watchdog), no server process outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One running server process. */
export class Service {
  readonly port: number;
  readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.keep(chunk));
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      }),
    );
  }

  private keep(chunk: Buffer): void {
    // The last 64 KiB is enough to explain a failure.
    this.output = (this.output + chunk.toString('utf8')).slice(-65_536);
  }

  /** Starts the built server on a free loopback port and waits until it answers. */
  static async start(env: Record<string, string>, options: { port?: number; execArgv?: string[] } = {}): Promise<Service> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Service.startOnce(env, options);
      } catch (error) {
        if (attempt >= 3 || !/answered by another process|EADDRINUSE/.test((error as Error).message)) throw error;
      }
    }
  }

  private static async startOnce(env: Record<string, string>, options: { port?: number; execArgv?: string[] }): Promise<Service> {
    const port = options.port ?? (await freePort());
    const child = spawn(process.execPath, [...(options.execArgv ?? []), SERVER_ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'error',
        // The suite is a runaway script by design; the per-client limit (loopback is exempt anyway) must not shape it.
        RATE_LIMIT_PER_MINUTE: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new Service(port, child);
    try {
      await service.waitUntilAnswering();
    } catch (error) {
      await service.kill('SIGKILL');
      throw error;
    }
    return service;
  }

  private dying = false;

  /** False from the moment a kill is requested, so requests failing during the kill are not blamed on a live server. */
  get alive(): boolean {
    return !this.dying && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  async waitUntilAnswering(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`server exited early:\n${this.output}`);
      const answered = await new Promise<boolean>((resolve) => {
        const socket = net.connect(this.port, '127.0.0.1');
        socket.setTimeout(1000);
        socket.on('connect', () => socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        socket.on('data', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
        socket.on('timeout', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('close', () => resolve(false));
      });
      if (answered) {
        if (!fs.existsSync('/proc/net/tcp') || listensOn(this.pid, this.port)) return;
        throw new Error(`port ${this.port} is answered by another process`);
      }
      await sleep(50);
    }
    throw new Error(`server did not answer within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Resident set size in bytes, from /proc. */
  rss(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.dying = true;
    this.child.kill(signal);
    await this.exited;
  }

  /** SIGTERM, and SIGKILL if it has not exited within 15 s. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.alive) return this.exited;
    this.dying = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}
