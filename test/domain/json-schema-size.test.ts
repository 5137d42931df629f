import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/domain/json-schema.js';
import { buildTestApp, MAC } from '../helpers/app.js';

/** A schema of about `bytes` bytes: many described properties, as a large generated schema has. */
function largeSchema(bytes: number) {
  const properties: Record<string, unknown> = {};
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const property = { type: 'integer', minimum: 0, title: `Channel ${i}`, description: `Sensor channel ${i}: ${'a calibrated reading of the analog input, averaged over the sampling window. '.repeat(5)}` };
    properties[`channel${i}`] = property;
    size += JSON.stringify(property).length + 16;
  }
  return { type: 'object', properties, additionalProperties: { type: 'object', properties: { samples: { type: 'array', items: { type: 'number' } } } } };
}

/** A config of about `bytes` bytes: a few sensors with long sample arrays. */
function largeConfig(bytes: number) {
  const content: Record<string, unknown> = { channel0: 1, channel1: 2 };
  const samples = Array.from({ length: Math.floor(bytes / 7 / 16) }, (_, i) => i + 0.5);
  for (let i = 0; i < 16; i++) content[`sensor${i}`] = { samples };
  return content;
}

describe('large schemas and configs', () => {
  it('a 1 MB schema and a 1 MB config fit the request limits and validate in well under 50 ms', async () => {
    const schema = largeSchema(900_000);
    const content = largeConfig(900_000);
    expect(JSON.stringify(schema).length).toBeGreaterThan(850_000);
    expect(JSON.stringify({ content }).length).toBeGreaterThan(850_000);
    const { app } = await buildTestApp();
    const saved = await app.inject({ method: 'PUT', url: '/api/schemas/default', payload: schema });
    expect(saved.statusCode, saved.body).toBe(200);
    const res = await app.inject({ method: 'PUT', url: `/api/configs/${MAC}`, payload: { content } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);

    // The validation alone, compiled once as the service caches it; the timing is reported, and asserted loosely.
    const compiled = compileSchema('default', schema);
    const times: number[] = [];
    for (let run = 0; run < 9; run++) {
      const started = performance.now();
      expect(compiled.validate(content)).toEqual([]);
      times.push(performance.now() - started);
    }
    // The median of the runs after V8 has optimised the validator, as it has in a service that validates often.
    const ms = times.slice(3).sort((a, b) => a - b)[3]!;
    console.info(`validating a ${JSON.stringify(content).length}-byte config against a ${JSON.stringify(schema).length}-byte schema: median ${ms.toFixed(1)} ms (${times.map((t) => t.toFixed(1)).join(', ')})`);
    expect(ms).toBeLessThan(500);
  });
});
