/**
 * `npm run test:reliability`: starts the real service as separate processes
 * on loopback, attacks it (kills, replicas, disk faults, hostile input,
 * sustained load), prints a table of figures and exits non-zero on any
 * broken promise. Bounded: every phase has a fixed count or duration, and a
 * watchdog ends the run if it ever hangs.
 *
 * Environment: RELIABILITY_LOAD_SECONDS (default 60), RELIABILITY_CRASH_CYCLES
 * (default 15), RELIABILITY_FUZZ_RUNS (default 400), RELIABILITY_PHASES
 * (comma-separated subset of crash,replicas,faults,fuzz,load).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crashPhase } from './crash.js';
import { faultsPhase } from './faults.js';
import { fuzzPhase } from './fuzz.js';
import { closeAgents, figures, violations } from './lib/client.js';
import { ensureBuilt } from './lib/service.js';
import { loadPhase } from './load.js';
import { replicasPhase } from './replicas.js';

const PHASES = ['crash', 'replicas', 'faults', 'fuzz', 'load'] as const;
type Phase = (typeof PHASES)[number];

function integerEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

const notes: string[] = [];
const log = (line: string): void => {
  notes.push(line);
  process.stdout.write(`  ${line}\n`);
};

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join('\n');
}

async function main(): Promise<number> {
  const loadSeconds = integerEnv('RELIABILITY_LOAD_SECONDS', 60);
  const crashCycles = integerEnv('RELIABILITY_CRASH_CYCLES', 15);
  const fuzzRuns = integerEnv('RELIABILITY_FUZZ_RUNS', 400);
  const selected = (process.env.RELIABILITY_PHASES?.split(',').map((p) => p.trim()).filter(Boolean) ?? [...PHASES]) as Phase[];
  for (const phase of selected) if (!PHASES.includes(phase)) throw new Error(`unknown phase ${phase}; expected ${PHASES.join(', ')}`);

  ensureBuilt(log);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'iot-reliability-'));
  const started = Date.now();
  const timings: [string, string][] = [];
  let phasesFailed = 0;
  try {
    for (const phase of selected) {
      const phaseStart = Date.now();
      process.stdout.write(`\n[${phase}]\n`);
      const before = violations.length;
      if (phase === 'crash') await crashPhase(root, crashCycles, log);
      if (phase === 'replicas') await replicasPhase(root, log);
      if (phase === 'faults') await faultsPhase(root, log);
      if (phase === 'fuzz') await fuzzPhase(root, fuzzRuns, log);
      if (phase === 'load') await loadPhase(root, loadSeconds, log);
      const seconds = ((Date.now() - phaseStart) / 1000).toFixed(1);
      timings.push([`phase ${phase}`, `${seconds} s, ${violations.length - before} violation(s)`]);
      if (violations.length > before) phasesFailed++;
      process.stdout.write(`  done in ${seconds} s\n`);
      closeAgents();
    }
  } finally {
    closeAgents();
    await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
  }

  process.stdout.write('\nReliability figures\n');
  process.stdout.write(
    `${table([
      ['requests sent', String(figures.requestsSent)],
      ['faults injected', String(figures.faultsInjected)],
      ['bad inputs tried', String(figures.badInputsTried)],
      ['configs verified', String(figures.configsVerified)],
      ['configs lost', String(figures.lost)],
      ['configs corrupted', String(figures.corrupted)],
      ['violations', String(violations.length)],
      ...timings,
      ['total', `${((Date.now() - started) / 1000).toFixed(1)} s`],
    ])}\n`,
  );
  if (violations.length > 0) {
    process.stdout.write('\nViolations:\n');
    for (const v of violations) process.stdout.write(`  - ${v}\n`);
  }
  const ok = violations.length === 0 && figures.lost === 0 && figures.corrupted === 0;
  process.stdout.write(`\n${ok ? 'PASS' : 'FAIL'}: ${figures.lost} lost, ${figures.corrupted} corrupted, ${violations.length} violation(s)\n`);
  // The plain closing line CI reads: one test per phase.
  process.stdout.write(`reliability: ${timings.length - phasesFailed} passed, ${phasesFailed} failed\n`);
  return ok ? 0 : 1;
}

// The whole run is bounded: a hang anywhere ends it as a failure instead of blocking CI.
const WATCHDOG_MS = 15 * 60_000;
const watchdog = setTimeout(() => {
  process.stderr.write(`reliability suite: still running after ${WATCHDOG_MS / 60_000} min, giving up\n`);
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`reliability suite failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
