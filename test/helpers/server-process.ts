import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onTestFinished } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_ENTRY = path.join(ROOT, 'src/server.ts');
// Absolute, so the server can run from any working directory.
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The server run from source: src/server.ts through tsx. */
const FROM_SOURCE = [process.execPath, '--import', TSX_LOADER, SERVER_ENTRY] as const;

/** The README's `npm start`: the built server in dist/ (built by `npm install`), as npm runs it, npm's own process first. */
export const NPM_START = ['npm', 'start'] as const;

/** Process groups of servers not yet killed: killed too if the test run ends first (interrupted, or timed out). */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const group of liveGroups) killGroup(group);
});

function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // Nothing left in the group.
  }
}

/** Runs the real server (by default src/server.ts through tsx) as its own process; killed when the test ends. */
export function spawnServer(env: Record<string, string>, cwd = ROOT, command: readonly string[] = FROM_SOURCE): ServerProcess {
  const [executable, ...args] = command;
  const child = spawn(executable!, args, {
    cwd,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, so that whatever the command starts is killed with it (see below).
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  liveGroups.add(child.pid!);
  onTestFinished(() => {
    // The whole group: a server that outlived npm (the failure `npm start`'s test looks for) is killed too.
    killGroup(child.pid!);
    liveGroups.delete(child.pid!);
  });
  return { child, url: `http://127.0.0.1:${env.PORT}`, output: () => output, exited };
}

/** Waits until the server answers on /api/health (any status), or fails after `timeoutMs`. */
export async function waitForServer(server: ServerProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited early: ${server.output()}`);
    try {
      await fetch(`${server.url}/api/health`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`server did not start within ${timeoutMs} ms: ${server.output()}`);
}
