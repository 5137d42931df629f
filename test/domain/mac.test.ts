import { describe, expect, it } from 'vitest';
import { InvalidOperation } from '../../src/domain/errors.js';
import { macFromFileName, normaliseMac, parseMac } from '../../src/domain/mac.js';

describe('normaliseMac', () => {
  it.each([
    ['aa-bb-cc-dd-ee-ff', 'aa-bb-cc-dd-ee-ff'],
    ['AA-BB-CC-DD-EE-FF', 'aa-bb-cc-dd-ee-ff'],
    ['AA:bb:CC:dd:EE:ff', 'aa-bb-cc-dd-ee-ff'],
    ['aAbBcCdDeEfF', 'aa-bb-cc-dd-ee-ff'],
    ['001122334455', '00-11-22-33-44-55'],
  ])('accepts %s as %s', (input, expected) => {
    expect(normaliseMac(input)).toBe(expected);
  });

  it.each([
    'invalid-mac',
    'aa-bb-cc-dd-ee',
    'aa-bb-cc-dd-ee-ff-00',
    'gg-bb-cc-dd-ee-ff',
    'aa-bb:cc-dd-ee-ff',
    'aabbccddeef',
    '..',
    '../etc/passwd',
    '',
    'aa-bb-cc-dd-ee-ff\0',
    ' aa-bb-cc-dd-ee-ff',
  ])('rejects %j', (input) => {
    expect(normaliseMac(input)).toBeNull();
  });
});

describe('parseMac', () => {
  it('names the bad value in the error', () => {
    expect(() => parseMac('invalid-mac')).toThrow(InvalidOperation);
    expect(() => parseMac('invalid-mac')).toThrow(/"invalid-mac"/);
  });

  it('tells an admin who wrote the device route\'s ".json" to drop it', () => {
    expect(() => parseMac('aa-bb-cc-dd-ee-ff.json')).toThrow(
      'Invalid MAC address "aa-bb-cc-dd-ee-ff.json": expected 12 hex digits without ".json" (only devices fetch <mac>.json), e.g. aa-bb-cc-dd-ee-ff',
    );
    expect(() => parseMac('not-a-mac.json')).toThrow('Invalid MAC address "not-a-mac.json": expected 12 hex digits, e.g.');
  });

  it('shortens a very long value in the message', () => {
    const error = (() => {
      try {
        parseMac('x'.repeat(500));
      } catch (e) {
        return e as InvalidOperation;
      }
    })();
    expect(error?.message.length).toBeLessThan(250);
  });
});

describe('macFromFileName', () => {
  it('reads only canonical config file names', () => {
    expect(macFromFileName('aa-bb-cc-dd-ee-ff.json')).toBe('aa-bb-cc-dd-ee-ff');
    expect(macFromFileName('AA-BB-CC-DD-EE-FF.json')).toBeNull();
    expect(macFromFileName('aabbccddeeff.json')).toBeNull();
    expect(macFromFileName('aa-bb-cc-dd-ee-ff.json.tmp')).toBeNull();
    expect(macFromFileName('notes.txt')).toBeNull();
  });
});
