import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestHistogram } from '../../src/http/metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

// The per-request histograms replace prom-client's for speed; scrapers must not see the difference.
describe('RequestHistogram', () => {
  it('is exposed exactly as a prom-client Histogram with the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new RequestHistogram<'method' | 'route' | 'status_code'>('http_request_duration_seconds', 'Duration', BUCKETS, ours);
    const reference = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: BUCKETS,
      registers: [theirs],
    });
    const observations: [string, string, number, number][] = [
      ['GET', '/api/configs/:mac.json', 200, 0.0004],
      ['GET', '/api/configs/:mac.json', 200, 0.001],
      ['GET', '/api/configs/:mac.json', 304, 0.05],
      ['PUT', '/api/configs/:mac', 200, 3],
      ['GET', 'unmatched', 404, 0.01],
    ];
    for (const [method, route, status, seconds] of observations) {
      fast.observe(`${method} ${status} ${route}`, () => ({ method, route, status_code: String(status) }), seconds);
      reference.observe({ method, route, status_code: String(status) }, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());

    fast.reset();
    reference.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
