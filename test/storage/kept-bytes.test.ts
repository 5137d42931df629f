import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../src/domain/config-summary.js';
import { keptBytes, keptText } from '../../src/storage/kept-bytes.js';
import { configResponseBody } from '../../src/http/routes/config-body.js';

describe('kept bytes', () => {
  it('have memory of their own, of their exact size, outside the shared pool', () => {
    const text = keptText('{"deviceName":"Café"}');
    expect(text.toString()).toBe('{"deviceName":"Café"}');
    expect(text.buffer.byteLength).toBe(text.length);
    // The wrapped body a GET keeps for the config's version.
    const mac = 'aa-bb-cc-dd-ee-ff';
    const joined = configResponseBody({ mac, etag: '"e"', bytes: text, summary: summarizeConfig(mac, { deviceName: 'Café' }) });
    expect(JSON.parse(joined.toString()).content).toEqual({ deviceName: 'Café' });
    expect(joined.buffer.byteLength).toBe(joined.length);
  });

  it('copy bytes that are a slice of the shared pool, and only those', () => {
    const pooled = Buffer.from('{"deviceName":"pooled"}');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const kept = keptBytes(pooled);
    expect(kept.equals(pooled)).toBe(true);
    expect(kept.buffer.byteLength).toBe(kept.length);
    expect(keptBytes(kept)).toBe(kept);
  });
});
