import type { Measurement } from './load.js';
import type { ReferenceKind } from './processes.js';

/** The latest full run, committed, relative to the repository's root (bench/results/ keeps every run, ignored by git). */
export const LATEST_RESULTS = 'bench/latest-results.json';

export interface ScenarioResult {
  id: string;
  label: string;
  /**
   * Which server: the service (at LOG_LEVEL=warn), the service at its default LOG_LEVEL=info, the baseline
   * (another checkout's build, with --baseline), the service with its history off, the service with
   * FETCH_TRACKING=false (bench/fetch-tracking.ts), nginx, or a reference server (bench/reference-server.mjs).
   */
  target: 'service' | 'service-info' | 'baseline' | 'history-off' | 'tracking-off' | 'schema-on' | 'nginx' | ReferenceKind;
  fleet: number;
  runs: Measurement[];
  /** Median of each figure over the runs, taken figure by figure. */
  median: Measurement;
  /** Figures derived from the runs (e.g. the read throughput of the mixed load), medians too. */
  extra?: Record<string, number>;
  /** The same figures run by run, in the order of `runs`. */
  extraRuns?: Record<string, number>[];
}

export interface StartupResult {
  fleet: number;
  runs: { readyMs: number; rssMb: number }[];
  median: { readyMs: number; rssMb: number };
}

export interface TargetCheck {
  name: string;
  measured: string;
  goal: string;
  met: boolean | null;
}

/** A ratio of two scenarios' figures taken round by round (see perRoundRatio in run.ts). */
export interface RoundRatio {
  median: number;
  min: number;
  max: number;
}

export interface BenchResult {
  meta: {
    date: string;
    commit: string;
    node: string;
    cpus: number;
    cpuModel: string;
    loadAverageBefore: number[];
    quick: boolean;
    repetitions: number;
    /** Keep-alive connections per scenario (absent in runs made before it could be chosen: 10). */
    connections?: number;
    warmupSeconds: number;
    seconds: number;
    nginx: string | null;
    /** Node flags the service ran with, taken from `npm start`. */
    serviceCommand: string;
    /** Variables of the environment that change how Node and libuv run (e.g. `UV_USE_IO_URING`), as the servers inherited them; absent in earlier runs. */
    runtimeEnvironment?: Record<string, string>;
    averageConfigBytes: number;
    fleetFilesystem: string;
    /** The checkout measured as the baseline (--baseline), when there was one. */
    baseline?: { dir: string; commit: string };
  };
  scenarios: ScenarioResult[];
  startup: StartupResult | null;
  /** Figures over nginx's; a plain number in runs made before ratios were taken round by round. */
  ratios: Record<string, RoundRatio | number>;
  targets: TargetCheck[];
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

export function medianOf<T extends object>(runs: readonly T[]): T {
  const out: Record<string, number> = {};
  for (const key of Object.keys(runs[0] ?? {})) {
    out[key] = median(runs.map((run) => (run as Record<string, number>)[key]!));
  }
  return out as T;
}

const num = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const ms = (value: number): string => (!Number.isFinite(value) ? '–' : value < 10 ? num(value, 2) : value < 100 ? num(value, 1) : num(value, 0));

/** Load-generator CPU (% of one core) from which a figure is taken to be bounded by the generator. */
const GENERATOR_BOUND_CPU = 90;

/** ", with UV_USE_IO_URING=1" for the variables a run set, or nothing. */
function environmentNote(environment: Record<string, string> | undefined): string {
  const set = Object.entries(environment ?? {});
  return set.length === 0 ? '' : `, with ${set.map(([name, value]) => `${name}=${value}`).join(' ')}`;
}

export function markdownReport(result: BenchResult): string {
  const lines: string[] = [];
  const m = result.meta;
  lines.push(
    `Benchmark of ${m.commit} on ${m.cpus} × ${m.cpuModel}, Node ${m.node} (\`${m.serviceCommand}\`${environmentNote(m.runtimeEnvironment)}), nginx ${m.nginx ?? 'absent'}; ` +
      `${m.repetitions} runs of ${m.seconds} s after ${m.warmupSeconds} s warm-up per scenario, ${m.connections ?? 10} keep-alive connections, medians; ` +
      `configs of ${m.averageConfigBytes} bytes on ${m.fleetFilesystem}; load average before: ${m.loadAverageBefore.map((l) => l.toFixed(2)).join(' ')}.` +
      (m.baseline ? ` Baseline: ${m.baseline.commit} (same Node flags, LOG_LEVEL=warn).` : ''),
  );
  lines.push('');
  lines.push('| Scenario | Fleet | req/s | p50 ms | p99 ms | max ms | errors | server CPU % | CPU µs/req | peak RSS MB | load-gen CPU % | vs nginx |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of result.scenarios) {
    const r = s.median;
    const found = result.ratios[s.id];
    const ratio = typeof found === 'number' ? found : found?.median;
    lines.push(
      `| ${s.label} | ${s.fleet.toLocaleString('en-US')} | ${num(r.rps)}${r.loadgenCpu >= GENERATOR_BOUND_CPU ? ' ‡' : ''} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${num(r.errors)} | ${num(r.serverCpu)} | ${num(r.serverCpuUsPerRequest)} | ${num(r.serverPeakRssMb)} | ${num(r.loadgenCpu)} | ${ratio === undefined ? '' : `${num(ratio * 100)}%`} |`,
    );
  }
  if (Object.keys(result.ratios).length > 0) {
    lines.push('');
    lines.push('vs nginx: the figure over nginx\'s for the same request in the same round, the median over the rounds.');
  }
  if (result.scenarios.some((s) => s.median.loadgenCpu >= GENERATOR_BOUND_CPU)) {
    lines.push('');
    lines.push(`‡ The load generator used ≥ ${GENERATOR_BOUND_CPU}% of a core: it, not the server, set the pace, and the server could do more.`);
  }
  if (result.startup) {
    lines.push('');
    lines.push(
      `Start-up with ${result.startup.fleet.toLocaleString('en-US')} configs: ready (health 200 and the list complete) in ${num(result.startup.median.readyMs)} ms, RSS ${num(result.startup.median.rssMb)} MB (runs: ${result.startup.runs.map((r) => `${num(r.readyMs)} ms`).join(', ')}).`,
    );
  }
  lines.push('');
  lines.push('| Target | Measured | Goal | Met |');
  lines.push('|---|---|---|:-:|');
  for (const t of result.targets) lines.push(`| ${t.name} | ${t.measured} | ${t.goal} | ${t.met === null ? 'n/a' : t.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

/** Deltas of `result` against an older run, scenario by scenario. */
export function comparisonReport(result: BenchResult, old: BenchResult): string {
  const lines = [`Compared with ${old.meta.commit} (${old.meta.date}):`, ''];
  // Runs from before --connections existed used 10.
  const [connectionsNow, connectionsBefore] = [result.meta.connections ?? 10, old.meta.connections ?? 10];
  if (connectionsNow !== connectionsBefore) lines.push(`Note: this run used ${connectionsNow} connections per scenario, that one ${connectionsBefore}; their figures do not compare.`, '');
  lines.push('| Scenario | req/s before | req/s now | Δ req/s | p99 before | p99 now | Δ p99 | CPU µs/req before | now | Δ |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const pct = (now: number, before: number) => {
    if (!Number.isFinite(now) || !Number.isFinite(before) || before === 0) return '–';
    const delta = (100 * (now - before)) / before;
    return `${delta >= 0 ? '+' : ''}${delta.toFixed(1)}%`;
  };
  for (const s of result.scenarios) {
    const before = old.scenarios.find((o) => o.id === s.id);
    if (!before) {
      lines.push(`| ${s.label} | – | ${num(s.median.rps)} | new | – | ${ms(s.median.p99)} | new | – | ${num(s.median.serverCpuUsPerRequest)} | new |`);
      continue;
    }
    lines.push(
      `| ${s.label} | ${num(before.median.rps)} | ${num(s.median.rps)} | ${pct(s.median.rps, before.median.rps)} | ${ms(before.median.p99)} | ${ms(s.median.p99)} | ${pct(s.median.p99, before.median.p99)} | ${num(before.median.serverCpuUsPerRequest)} | ${num(s.median.serverCpuUsPerRequest)} | ${pct(s.median.serverCpuUsPerRequest, before.median.serverCpuUsPerRequest)} |`,
    );
  }
  if (result.startup && old.startup) {
    lines.push(
      `| Start-up (ms) | ${num(old.startup.median.readyMs)} | ${num(result.startup.median.readyMs)} | ${pct(result.startup.median.readyMs, old.startup.median.readyMs)} | | | | | | |`,
    );
  }
  return lines.join('\n');
}
