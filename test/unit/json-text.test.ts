import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJsonText, jsonNestingDepth, memberText } from '../../src/json-text.js';

describe('formatJsonText', () => {
  it('lays out like JSON.stringify(value, null, 2) for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const compact = JSON.stringify(value);
        expect(formatJsonText(compact)).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps numbers, escapes and key order exactly as written', () => {
    const text = '{"b":12345678901234567890123,"2":1.50,"a":"\\u0041\\n","1":[ ],"o":{ }}';
    expect(formatJsonText(text)).toBe(
      '{\n  "b": 12345678901234567890123,\n  "2": 1.50,\n  "a": "\\u0041\\n",\n  "1": [],\n  "o": {}\n}',
    );
  });

  it('gives up once the result would be longer than maxLength, and only then', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(40), (value, shorter) => {
        const formatted = JSON.stringify(value, null, 2);
        expect(formatJsonText(JSON.stringify(value), formatted.length)).toBe(formatted);
        if (shorter < formatted.length) expect(formatJsonText(JSON.stringify(value), formatted.length - 1 - shorter)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('gives up on deep nesting that would grow past maxLength', () => {
    const deep = `${'['.repeat(64)}${Array(500_000).fill(0).join(',')}${']'.repeat(64)}`;
    expect(formatJsonText(deep, 1_000_000)).toBeUndefined();
  });
});

describe('memberText', () => {
  it('finds a top-level member, ignoring nested ones and strings that look like keys', () => {
    const text = '{"x": {"content": 1}, "s": "\\"content\\": 2", "content": {"a": [1, {"b": "}"}]} }';
    expect(memberText(text, 'content')).toBe('{"a": [1, {"b": "}"}]}');
  });

  it('takes the last of duplicate keys, like JSON.parse', () => {
    expect(memberText('{"content": {"a": 1}, "content": {"a": 2}}', 'content')).toBe('{"a": 2}');
  });

  it('returns undefined when absent or not an object', () => {
    expect(memberText('{"other": 1}', 'content')).toBeUndefined();
    expect(memberText('[1]', 'content')).toBeUndefined();
  });
});

describe('jsonNestingDepth', () => {
  it('counts brackets outside strings only', () => {
    expect(jsonNestingDepth('1')).toBe(0);
    expect(jsonNestingDepth('{"a": "[[[["}')).toBe(1);
    expect(jsonNestingDepth('[[[], [[]]]]')).toBe(4);
  });

  it('handles 100,000 levels without recursion', () => {
    expect(jsonNestingDepth('['.repeat(100_000) + ']'.repeat(100_000))).toBe(100_000);
  });
});
