import { describe, expect, it } from 'vitest';
import { bulkRequestOf, describeChange, parseTypedValue, retryable } from './bulk-change.js';

describe('bulk change', () => {
  it('types a value as JSON, with a fallback to the text as a string', () => {
    expect(parseTypedValue('8883')).toEqual({ value: 8883, type: 'number' });
    expect(parseTypedValue('true')).toEqual({ value: true, type: 'boolean' });
    expect(parseTypedValue('null')).toEqual({ value: null, type: 'null' });
    expect(parseTypedValue('"8883"')).toEqual({ value: '8883', type: 'string' });
    expect(parseTypedValue('[1]')).toEqual({ value: [1], type: 'array' });
    expect(parseTypedValue('mqtt2.home.lan')).toEqual({ value: 'mqtt2.home.lan', type: 'string' });
    expect(parseTypedValue('{broken')).toEqual({ value: '{broken', type: 'string' });
  });

  it('builds the request of each mode, and says what is wrong with a form', () => {
    expect(bulkRequestOf({ mode: 'set', path: ' mqtt.host ', valueText: 'mqtt2.home.lan' }, ['a'])).toEqual({
      request: { macs: ['a'], set: [{ path: 'mqtt.host', value: 'mqtt2.home.lan' }] },
    });
    expect(bulkRequestOf({ mode: 'unset', path: 'legacy' }, ['a', 'b'])).toEqual({ request: { macs: ['a', 'b'], unset: ['legacy'] } });
    expect(bulkRequestOf({ mode: 'patch', patchText: '{"ota":null}' }, ['a'])).toEqual({ request: { macs: ['a'], patch: { ota: null } } });
    expect(bulkRequestOf({ mode: 'patch', patchText: '[1]' }, ['a'])).toEqual({ error: 'A merge patch is a JSON object ({ … })' });
    expect(bulkRequestOf({ mode: 'patch', patchText: '{' }, ['a'])).toEqual({ error: 'The merge patch is not valid JSON' });
    expect(bulkRequestOf({ mode: 'set', path: '', valueText: '1' }, ['a'])).toHaveProperty('error');
  });

  it('describes added, removed and changed values', () => {
    expect(describeChange({ path: 'mqtt.host', before: 'a', after: 'b' })).toBe('mqtt.host: "a" → "b"');
    expect(describeChange({ path: 'ota', after: true })).toBe('+ ota: true');
    expect(describeChange({ path: 'legacy', before: 1 })).toBe('− legacy (was 1)');
  });

  it('retries the devices changed meanwhile or failed, not the others', () => {
    const result = (mac_address: string, status: 'saved' | 'conflict' | 'failed' | 'not_found') => ({ mac_address, status, etag: null });
    expect(retryable([result('a', 'saved'), result('b', 'conflict'), result('c', 'failed'), result('d', 'not_found')])).toEqual(['b', 'c']);
  });
});
