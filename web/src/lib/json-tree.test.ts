import { describe, expect, it } from 'vitest';
import { setValueAt } from './json-tree.js';
import { keyHints, valueHints } from './schema-lookup.js';

describe('setValueAt', () => {
  const text = '{\n  "a": 1.50,\n  "wifi": { "security": "wep", "x": [1, 2] },\n  "unknown": {"k": 1e3}\n}\n';

  it('replaces one value and keeps every other byte', () => {
    expect(setValueAt(text, ['wifi', 'security'], '"wpa3"')).toBe(text.replace('"wep"', '"wpa3"'));
    expect(setValueAt(text, ['wifi', 'x', '1'], '3')).toBe(text.replace('[1, 2]', '[1, 3]'));
  });

  it('adds a missing key at the end of its object, and the objects on its way', () => {
    expect(setValueAt(text, ['b'], 'true')).toBe('{\n  "a": 1.50,\n  "wifi": { "security": "wep", "x": [1, 2] },\n  "unknown": {"k": 1e3},\n  "b": true\n}\n');
    expect(JSON.parse(setValueAt(text, ['mqtt', 'port'], '1883')!)).toMatchObject({ mqtt: { port: 1883 }, a: 1.5 });
    expect(setValueAt('{}', ['a'], '1')).toBe('{"a": 1}');
  });
});

describe('schema hints', () => {
  const schema = {
    properties: { wifi: { $ref: '#/$defs/wifi' }, list: { type: 'array', items: { properties: { on: { type: 'boolean' } } } } },
    $defs: { wifi: { required: ['ssid'], properties: { ssid: { description: 'Network name' }, security: { enum: ['wpa2', 'wpa3'] } } } },
  };

  it('follows $ref and items to the keys and values of a place', () => {
    expect(keyHints(schema, ['wifi'])).toEqual([
      { key: 'ssid', description: 'Network name', required: true },
      { key: 'security', description: 'One of: "wpa2", "wpa3"', required: false },
    ]);
    expect(valueHints(schema, ['wifi', 'security'])).toEqual(['wpa2', 'wpa3']);
    expect(valueHints(schema, ['list', '0', 'on'])).toEqual([true, false]);
  });
});
