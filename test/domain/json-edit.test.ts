import { parse, stringify } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { EditNotApplicable, jsonChanges, mergePatch, parseEditPath, setAtPath, unsetAtPath, type JsonObject } from '../../src/domain/json-edit.js';

const steps = (path: string) => {
  const parsed = parseEditPath(path);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.steps;
};

describe('parseEditPath', () => {
  it('splits on dots and refuses empty steps and prototype keys', () => {
    expect(parseEditPath('sensors.0.pin')).toEqual({ steps: ['sensors', '0', 'pin'] });
    expect(parseEditPath('')).toEqual({ error: 'the path is empty' });
    expect(parseEditPath('a..b')).toHaveProperty('error');
    expect(parseEditPath('.a')).toHaveProperty('error');
    expect(parseEditPath('a.__proto__')).toHaveProperty('error');
    expect(parseEditPath('x'.repeat(1025))).toHaveProperty('error');
  });
});

describe('setAtPath and unsetAtPath', () => {
  it('sets through objects and arrays, making missing parents, appending one past the end', () => {
    const doc: JsonObject = { sensors: [{ pin: 4 }], wifi: {} };
    setAtPath(doc, steps('sensors.0.pin'), 5);
    setAtPath(doc, steps('sensors.1'), { pin: 6 });
    setAtPath(doc, steps('ota.window.start'), '02:00');
    setAtPath(doc, steps('wifi.0'), 'key named 0');
    expect(doc).toEqual({ sensors: [{ pin: 5 }, { pin: 6 }], wifi: { 0: 'key named 0' }, ota: { window: { start: '02:00' } } });
  });

  it('refuses a path through a scalar, null, a number or past an array end', () => {
    const doc = parse('{"name":"x","n":1.0,"z":null,"list":[1]}') as JsonObject;
    expect(() => setAtPath(doc, steps('name.first'), 1)).toThrow(new EditNotApplicable('name is a string, not an object'));
    expect(() => setAtPath(doc, steps('n.x'), 1)).toThrow('n is a number, not an object');
    expect(() => setAtPath(doc, steps('z.x'), 1)).toThrow('z is null, not an object');
    expect(() => setAtPath(doc, steps('list.5'), 1)).toThrow(EditNotApplicable);
    expect(() => setAtPath(doc, steps('list.x'), 1)).toThrow(EditNotApplicable);
    expect(() => unsetAtPath(doc, steps('name.first'))).toThrow(EditNotApplicable);
  });

  it('sets a __proto__ key read from a file as an own member, never the prototype', () => {
    const doc = parse('{"__proto__":{"a":1}}') as JsonObject;
    setAtPath(doc, ['__proto__', 'b'], 2);
    expect(stringify(doc)).toBe('{"__proto__":{"a":1,"b":2}}');
    expect(({} as Record<string, unknown>).b).toBeUndefined();
  });

  it('unsets members and splices array items; nothing there is no change', () => {
    const doc: JsonObject = { a: { b: 1, c: 2 }, list: [1, 2, 3] };
    unsetAtPath(doc, steps('a.b'));
    unsetAtPath(doc, steps('list.1'));
    unsetAtPath(doc, steps('missing.deep'));
    unsetAtPath(doc, steps('list.9'));
    expect(doc).toEqual({ a: { c: 2 }, list: [1, 3] });
  });
});

describe('mergePatch (RFC 7396 appendix A)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j patched with %j is %j', (target, patch, result) => {
    const before = JSON.stringify(target);
    expect(mergePatch(target, patch)).toEqual(result);
    expect(JSON.stringify(target)).toBe(before);
  });

  it('keeps the target key order and adds new keys last', () => {
    expect(Object.keys(mergePatch({ z: 1, a: 2, m: 3 }, { a: 9, b: 1 }) as object)).toEqual(['z', 'a', 'm', 'b']);
  });
});

describe('jsonChanges', () => {
  it('lists leaf changes with full paths; additions without before, removals without after', () => {
    const before = parse('{"a":1.0,"w":{"s":"x"},"list":[1,2],"gone":true}');
    const after = parse('{"a":1.0,"w":{"s":"y","n":null},"list":[1],"new":{"k":[]}}');
    expect(jsonChanges(before, after)).toEqual([
      { path: 'w.s', before: 'x', after: 'y' },
      { path: 'w.n', after: null },
      { path: 'list.1', before: 2 },
      { path: 'new', after: { k: [] } },
      { path: 'gone', before: true },
    ]);
  });

  it('tells stored number spellings apart, takes a sent number by value, and a kind change is one change', () => {
    expect(jsonChanges(parse('{"a":1.0}'), parse('{"a":1}'))).toEqual([{ path: 'a', before: 1, after: 1 }]);
    // A request's numbers are parsed plainly: 1.0 sent for a stored 1.0 is no change.
    expect(jsonChanges(parse('{"a":1.0}'), { a: 1 })).toEqual([]);
    expect(jsonChanges(parse('{"a":1.5}'), { a: 1 })).toEqual([{ path: 'a', before: 1.5, after: 1 }]);
    expect(jsonChanges(parse('{"a":1}'), { a: 1 })).toEqual([]);
    expect(jsonChanges({ a: { b: 1 } }, { a: [1] })).toEqual([{ path: 'a', before: { b: 1 }, after: [1] }]);
  });
});
