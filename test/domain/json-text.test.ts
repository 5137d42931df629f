import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJsonText, jsonNestingDepth, jsonSyntaxError, memberText } from '../../src/domain/json-text.js';

describe('formatJsonText', () => {
  it('lays out like JSON.stringify(value, null, 2) for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const compact = JSON.stringify(value);
        expect(formatJsonText(compact)).toBe(JSON.stringify(value, null, 2));
        // Whitespace between tokens, as an editor or another formatter leaves it, is dropped.
        expect(formatJsonText(` \r\n${JSON.stringify(value, null, '\t')}\n `)).toBe(JSON.stringify(value, null, 2));
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

describe('jsonSyntaxError', () => {
  const parses = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  it('finds an error exactly when JSON.parse throws', () => {
    // Valid JSON, the same with one character changed, removed or added, and arbitrary text.
    const mutated = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', "'", ':', '\\', '\n', 'x', '0', '-', '.', 'e', ' ', '{', '['), fc.boolean())
      .map(([text, at, ch, replace]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, i) + ch + text.slice(replace ? i + 1 : i);
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
        expect(jsonSyntaxError(text) === null).toBe(parses(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('points at the error with its line and column, where V8 gives no position', () => {
    const text = '{\n  "name": "x",\n  "mode": \'fast\'\n}';
    expect(jsonSyntaxError(text)).toEqual({
      offset: text.indexOf("'"),
      line: 3,
      column: 11,
      message: 'Expected a value, found "\'": strings take double quotes',
    });
    expect(jsonSyntaxError('{"a": }')).toMatchObject({ line: 1, column: 7, message: 'Expected a value, found "}"' });
    expect(jsonSyntaxError('{"a": tru}')).toMatchObject({ column: 7, message: 'Expected a value, found "tru"' });
    expect(jsonSyntaxError('[1, 2,]')).toMatchObject({ column: 7, message: 'Expected a value, found "]": remove the comma before it' });
    expect(jsonSyntaxError('{"a": 1,\n}')).toMatchObject({ line: 2, column: 1, message: 'Expected a property name in double quotes, found "}": remove the comma before it' });
    expect(jsonSyntaxError('{"a" 1}')).toMatchObject({ column: 6, message: 'Expected \':\' after the property name, found "1"' });
    expect(jsonSyntaxError('{"a": 1 "b": 2}')).toMatchObject({ column: 9, message: 'Expected \',\' or \'}\', found "\\""' });
    expect(jsonSyntaxError('{"a": "x')).toMatchObject({ message: 'Unterminated string: a closing " is missing' });
    expect(jsonSyntaxError('{"a": 1}}')).toMatchObject({ column: 9, message: 'Unexpected "}" after the end of the JSON value' });
    expect(jsonSyntaxError('{"a":')).toMatchObject({ message: 'Expected a value, found the end of the text' });
    expect(jsonSyntaxError('')).toMatchObject({ message: 'Expected a value, found the end of the text' });
  });

  it('handles deep nesting without recursion', () => {
    expect(jsonSyntaxError('['.repeat(100_000) + ']'.repeat(100_000))).toBeNull();
    expect(jsonSyntaxError('['.repeat(100_000))).toMatchObject({ offset: 100_000 });
  });
});
