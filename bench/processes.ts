import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/helpers/free-port.js';

export const NGINX_BIN = '/usr/sbin/nginx';
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Every process this script started, so that they are all stopped even when the run fails. */
const started = new Set<ChildProcess>();

export function killAllStarted(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  started.clear();
}

/** A started server process: its pid (whose CPU and memory we read), its port, and how to stop it. */
export interface RunningServer {
  name: string;
  pid: number;
  port: number;
  /** Pid whose /proc figures describe the server (nginx: the worker, not the master). */
  statPid: number;
  logFile: string;
  /** True once the process has ended. */
  exited(): boolean;
  stop(): Promise<void>;
}

function track(child: ChildProcess, name: string, logFile: string, port: number, statPid = child.pid!): RunningServer {
  started.add(child);
  return {
    name,
    pid: child.pid!,
    port,
    statPid,
    logFile,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
        if (timedOut) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      started.delete(child);
    },
  };
}

export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The Node flags `npm start` runs the server with (e.g. the V8 heap sizing), so the benchmark measures the same process. */
export function startFlags(repoRoot: string): string[] {
  const start = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts?.start ?? '';
  const match = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/server\/server\.js/.exec(start);
  return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/** The variables `npm start` sets when they are not set already (`VAR=${VAR:-value}` before `exec node`). */
export function startEnv(repoRoot: string): Record<string, string> {
  const start = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts?.start ?? '';
  const env: Record<string, string> = {};
  for (const [, name, fallback] of start.matchAll(/\b(\w+)=\$\{(?:\w+):-([^}]*)\}/g)) env[name!] = process.env[name!] ?? fallback!;
  return env;
}

/**
 * Starts `script` under Node with the flags and variables `npm start` uses, its output in `<logDir>/<name>-<port>.log`:
 * the service and the reference servers run alike, so that they compare alike. `serverRoot` is the checkout
 * the script belongs to (another one for the baseline); the flags are always this checkout's.
 */
function startNodeServer(repoRoot: string, name: string, logDir: string, port: number, script: string, args: string[], env: NodeJS.ProcessEnv = {}, serverRoot = repoRoot): RunningServer {
  const logFile = path.join(logDir, `${name}-${port}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...startFlags(repoRoot), path.join(serverRoot, script), ...args], {
    cwd: serverRoot,
    env: { ...process.env, ...startEnv(repoRoot), NODE_ENV: 'production', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return track(child, name, logFile, port);
}

export interface ServiceOptions {
  /** The name of the process in logs and log files. */
  name: string;
  /** `LOG_LEVEL`: warn keeps request logging out of the figures; info is the service's default. */
  logLevel: 'warn' | 'info';
  /** The checkout whose built server runs (default: this one); another one for the baseline. */
  serverRoot?: string;
  /** Settings of a variant (e.g. `HISTORY_LIMIT=0`, `FETCH_TRACKING=false`); every other setting stays at its default. */
  env?: Record<string, string>;
}

/** Starts a built service as `npm start` runs it, on a free loopback port. */
export async function startService(repoRoot: string, configsDir: string, logDir: string, options: ServiceOptions = { name: 'service', logLevel: 'warn' }): Promise<RunningServer> {
  const port = await freePort();
  const env = {
    ESP32_CONFIGS_DIR: configsDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: options.logLevel,
    // Every other setting at its default, the per-client request limit included: its check runs on every request
    // (the load comes from loopback, which it exempts, so none is refused).
    ...options.env,
  };
  return startNodeServer(repoRoot, options.name, logDir, port, 'dist/server/server.js', [], env, options.serverRoot);
}

/** The reference servers of bench/reference-server.mjs: what Node alone, Node with Fastify, and Fastify doing the service's per-request duties need to answer a device fetch as the service does (and bare Node, the mixed load, saving through the thread pool, through a writer thread, or under the service's lock). */
export type ReferenceKind = 'node-http' | 'node-http-writer-thread' | 'node-http-locked' | 'fastify' | 'fastify-duties';

/** What a reference server copies from the service's answers. */
export interface ServiceAnswers {
  /** Headers of the device route's answers that are the same on every response. */
  deviceHeaders: Record<string, string>;
  /** The same for the list's and a save's answers. */
  apiHeaders: Record<string, string>;
  /** A file holding the service's list, which the node-http reference starts from. */
  listFile: string;
  /** What the service's wrapped GET adds after `content` (`,"fetch":…,"validation":…`). */
  wrappedTail: string;
}

/** Starts a reference server with the service's Node flags, serving `configsDir` as the service's answers show. */
export async function startReference(repoRoot: string, kind: ReferenceKind, configsDir: string, logDir: string, probePath: string, answers: ServiceAnswers): Promise<RunningServer> {
  const port = await freePort();
  const server = startNodeServer(repoRoot, kind, logDir, port, 'bench/reference-server.mjs', [kind, configsDir, String(port)], {
    REFERENCE_HEADERS: JSON.stringify(answers.deviceHeaders),
    REFERENCE_API_HEADERS: JSON.stringify(answers.apiHeaders),
    REFERENCE_LIST: answers.listFile,
    REFERENCE_WRAPPED_TAIL: answers.wrappedTail,
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !server.exited()) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${probePath}`)).status === 200) return server;
    } catch {
      // Not listening yet.
    }
    await sleep(20);
  }
  await server.stop();
  throw new Error(`the ${kind} reference server did not start: ${logTail(server.logFile)}`);
}

/** A running bench/durable-writer.mjs; stop() ends it and tells how many writes it made and the CPU they took. */
export interface DurableWriter {
  stop(): Promise<{ writes: number; cpuSeconds: number }>;
}

export function startDurableWriter(repoRoot: string, dir: string, perSecond: number, bytes: number): DurableWriter {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bench/durable-writer.mjs'), dir, String(perSecond), String(bytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    async stop() {
      const cpu = cpuSeconds(child.pid!);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      started.delete(child);
      return { writes: Number(output.trim()), cpuSeconds: cpu };
    },
  };
}

export function nginxVersion(): string | null {
  if (!existsSync(NGINX_BIN)) return null;
  const result = spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8' });
  return result.status === 0 ? (result.stderr.trim().replace(/^nginx version:\s*/, '') || 'nginx') : null;
}

/**
 * nginx with one worker serving `configsDir` statically at the service's
 * device path, with the same Cache-Control header, in its own temp prefix.
 */
export async function startNginx(configsDir: string, workDir: string): Promise<RunningServer> {
  const port = await freePort();
  const prefix = path.join(workDir, `nginx-${port}`);
  await fs.mkdir(path.join(prefix, 'logs'), { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  default_type application/json;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location /api/configs/ {
      alias ${configsDir}/;
      add_header Cache-Control no-cache;
    }
  }
}
`,
  );
  const logFile = path.join(prefix, 'logs', 'error.log');
  const child = spawn(NGINX_BIN, ['-p', prefix, '-e', logFile, '-c', conf], { stdio: 'ignore' });
  const server = track(child, 'nginx', logFile, port);
  // The figures that matter are the single worker's: find it among the master's children.
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const children = readFileSafe(`/proc/${child.pid}/task/${child.pid}/children`).trim().split(/\s+/).filter(Boolean);
    if (children.length > 0) {
      server.statPid = Number(children[0]);
      return server;
    }
    if (child.exitCode !== null) break;
    await sleep(20);
  }
  await server.stop();
  throw new Error(`nginx did not start: ${logTail(logFile)}`);
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** CPU seconds (user + system, every thread) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSafe(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSafe(`/proc/${pid}/status`));
  return match ? Number(match[1]) : NaN;
}

export const rssMb = (pid: number): number => statusKb(pid, 'VmRSS') / 1024;
export const peakRssMb = (pid: number): number => statusKb(pid, 'VmHWM') / 1024;

/** Resets the process's peak RSS (VmHWM) to its current RSS, so each scenario reports its own peak. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted here: the peak then covers the process's whole life, which is still an upper bound.
  }
}

/** The kernel's count of connections dropped because a listen queue was full (machine-wide, from /proc/net/netstat). */
export function listenOverflows(): number {
  const lines = readFileSafe('/proc/net/netstat').split('\n').filter((line) => line.startsWith('TcpExt:'));
  if (lines.length < 2) return NaN;
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')]);
}
