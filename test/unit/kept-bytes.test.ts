import { describe, expect, it } from 'vitest';
import { keptBytes, keptConcat, keptText } from '../../src/kept-bytes.js';

describe('kept bytes', () => {
  it('have memory of their own, of their exact size, outside the shared pool', () => {
    const text = keptText('{"deviceName":"Café"}');
    expect(text.toString()).toBe('{"deviceName":"Café"}');
    expect(text.buffer.byteLength).toBe(text.length);
    const joined = keptConcat([Buffer.from('ab'), text, Buffer.from('}')]);
    expect(joined.toString()).toBe('ab{"deviceName":"Café"}}');
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
