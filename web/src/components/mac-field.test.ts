import { describe, expect, it } from 'vitest';
import { countHexDigitsSoFar } from './mac-field.js';

describe('countHexDigitsSoFar', () => {
  it('counts the digits of a MAC still being typed, in any format', () => {
    expect(countHexDigitsSoFar('')).toBe(0);
    expect(countHexDigitsSoFar('a')).toBe(1);
    expect(countHexDigitsSoFar('AA:BB:')).toBe(4);
    expect(countHexDigitsSoFar('aa-bb-cc-dd-ee-f')).toBe(11);
    expect(countHexDigitsSoFar('aabbccddee')).toBe(10);
  });

  it('gives null once the text can no longer become a MAC', () => {
    for (const text of ['g', 'aa:bb-cc', 'aab:cc', 'aa::bb', 'aa:bbb', 'aabbccddeeff00', 'aa bb']) {
      expect(countHexDigitsSoFar(text), text).toBeNull();
    }
  });
});
