import { describe, expect, it } from 'vitest';
import { keptConcat, keptText } from '../../src/kept-bytes.js';

describe('kept bytes', () => {
  it('have memory of their own, of their exact size, outside the shared pool', () => {
    const text = keptText('{"deviceName":"Café"}');
    expect(text.toString()).toBe('{"deviceName":"Café"}');
    expect(text.buffer.byteLength).toBe(text.length);
    const joined = keptConcat([Buffer.from('ab'), text, Buffer.from('}')]);
    expect(joined.toString()).toBe('ab{"deviceName":"Café"}}');
    expect(joined.buffer.byteLength).toBe(joined.length);
  });
});
