import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon, { type Request } from 'autocannon';
import { cpuSeconds, peakRssMb, resetPeakRss, type RunningServer } from './processes.js';

/** What one load run sends: one request shape, or one built per request. */
export interface LoadSpec {
  request: Request;
  connections: number;
  /** Statuses that count as success; anything else is an error. */
  expectedStatus: readonly number[];
  /** Called after the warm-up, right before the measured run (e.g. to reset counters kept by `request`). */
  beforeMeasuredRun?: () => void;
}

/** The figures of one measured run. Latencies in milliseconds, CPU in % of one core. */
export interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  seconds: number;
  serverCpu: number;
  /** Server CPU time per answered request, in µs: the server's cost, less sensitive than req/s to other load on the machine. */
  serverCpuUsPerRequest: number;
  serverPeakRssMb: number;
  /** CPU of this process, i.e. of the load generator: near 100% means it, not the server, set the pace. */
  loadgenCpu: number;
}

export interface Timing {
  warmupSeconds: number;
  seconds: number;
}

class Latencies {
  private values = new Float64Array(1 << 16);
  length = 0;

  add(ms: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = ms;
  }

  /** p50, p99 and max, by sorting (exact, and cheap next to the run itself). */
  summary(): { p50: number; p99: number; max: number } {
    if (this.length === 0) return { p50: NaN, p99: NaN, max: NaN };
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
  }
}

/** One autocannon run for `seconds`, with latencies and statuses recorded per response. */
function runAutocannon(port: number, spec: LoadSpec, seconds: number): Promise<{ latencies: Latencies; ok: number; errors: number; elapsed: number }> {
  return new Promise((resolve, reject) => {
    const latencies = new Latencies();
    let ok = 0;
    let bad = 0;
    const expected = new Set(spec.expectedStatus);
    const started = performance.now();
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: spec.connections,
        duration: seconds,
        timeout: 10,
        requests: [spec.request],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({ latencies, ok, errors: bad + result.errors + result.timeouts, elapsed: (performance.now() - started) / 1000 });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (expected.has(statusCode)) {
        ok++;
        latencies.add(responseTime);
      } else {
        bad++;
      }
    });
  });
}

/** Warms up, then measures one run against `server`. */
export async function measureLoad(server: RunningServer, spec: LoadSpec, timing: Timing): Promise<Measurement> {
  if (timing.warmupSeconds > 0) await runAutocannon(server.port, spec, timing.warmupSeconds);
  spec.beforeMeasuredRun?.();
  resetPeakRss(server.statPid);
  const cpuBefore = cpuSeconds(server.statPid);
  const ownBefore = process.cpuUsage();
  const run = await runAutocannon(server.port, spec, timing.seconds);
  const own = process.cpuUsage(ownBefore);
  const serverCpu = cpuSeconds(server.statPid) - cpuBefore;
  return {
    rps: run.ok / run.elapsed,
    ...run.latencies.summary(),
    requests: run.ok,
    errors: run.errors,
    seconds: run.elapsed,
    serverCpu: (100 * serverCpu) / run.elapsed,
    serverCpuUsPerRequest: (1e6 * serverCpu) / Math.max(1, run.ok),
    serverPeakRssMb: peakRssMb(server.statPid),
    loadgenCpu: (100 * (own.user + own.system)) / 1e6 / run.elapsed,
  };
}

/**
 * A boot storm: every path fetched at once, each over its own new
 * connection, as devices do after a power cut. Latency is counted from the
 * moment the device starts connecting to the end of the body.
 */
export async function measureBootStorm(server: RunningServer, paths: readonly string[]): Promise<Measurement & { answered: number }> {
  resetPeakRss(server.statPid);
  const cpuBefore = cpuSeconds(server.statPid);
  const ownBefore = process.cpuUsage();
  const latencies = new Latencies();
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    paths.map(
      (path) =>
        new Promise<void>((resolve) => {
          const t0 = performance.now();
          const request = http.get({ host: '127.0.0.1', port: server.port, path, agent: false, timeout: 10_000 }, (response) => {
            response.resume();
            response.on('end', () => {
              if (response.statusCode === 200) latencies.add(performance.now() - t0);
              else errors++;
              resolve();
            });
            response.on('error', () => {
              errors++;
              resolve();
            });
          });
          request.on('timeout', () => request.destroy(new Error('timeout')));
          request.on('error', () => {
            errors++;
            resolve();
          });
        }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownBefore);
  const serverCpu = cpuSeconds(server.statPid) - cpuBefore;
  return {
    rps: latencies.length / elapsed,
    ...latencies.summary(),
    requests: latencies.length,
    answered: latencies.length,
    errors,
    seconds: elapsed,
    serverCpu: (100 * serverCpu) / elapsed,
    serverCpuUsPerRequest: (1e6 * serverCpu) / Math.max(1, latencies.length),
    serverPeakRssMb: peakRssMb(server.statPid),
    loadgenCpu: (100 * (own.user + own.system)) / 1e6 / elapsed,
  };
}
