import { describe, expect, it } from 'vitest';
import { checkConfigText, formatConfigText, formatJsonSource, NEW_CONFIG_TEMPLATE, normaliseMac, storedContentText, summarizeConfig } from './config-text.js';

describe('checkConfigText', () => {
  it('accepts a JSON object and returns it', () => {
    expect(checkConfigText('{"deviceName": "x", "n": 1}')).toEqual({ valid: true, content: { deviceName: 'x', n: 1 } });
  });

  it('rejects invalid JSON saying where and why, and JSON that is not an object', () => {
    expect(checkConfigText('{\n  "a": }')).toEqual({ valid: false, message: 'Line 2, column 8: Expected a value, found "}"' });
    for (const text of ['[]', '"text"', '42', 'null', 'true']) {
      expect(checkConfigText(text)).toEqual({ valid: false, message: 'A config must be a JSON object ({ … })' });
    }
  });
});

describe('shared with the service', () => {
  it('normalises MACs exactly as the API does', () => {
    expect(normaliseMac('AA:BB:CC:DD:EE:FF')).toBe('aa-bb-cc-dd-ee-ff');
    expect(normaliseMac('aabbccddeeff')).toBe('aa-bb-cc-dd-ee-ff');
    expect(normaliseMac('aa:bb-cc:dd:ee:ff')).toBeNull();
    expect(normaliseMac('aa:bb:cc:dd:ee')).toBeNull();
  });

  it('derives the summary as the list shows it', () => {
    expect(summarizeConfig('aa-bb-cc-dd-ee-ff', { deviceName: 'x', deviceEntityId: 3, enableOTA: 'yes' })).toEqual({
      mac_address: 'aa-bb-cc-dd-ee-ff',
      device_name: 'x',
      device_entity_id: null,
      enable_ota: null,
    });
  });
});

it('formats with a 2-space indent, and the template is the one the issue asks for', () => {
  expect(formatConfigText({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
  expect(JSON.parse(NEW_CONFIG_TEMPLATE)).toEqual({ deviceName: '', deviceEntityId: '', enableOTA: false });
});

it('stored content is shown exactly as stored: numbers, escapes and key order', () => {
  const response = '{"mac_address":"aa-bb-cc-dd-ee-ff","device_name":null,"device_entity_id":null,"enable_ota":null,"content":{\n  "b": 1.50,\n  "2": 12345678901234567890,\n  "s": "\\u00e9"\n}\n}';
  expect(storedContentText(response)).toBe('{\n  "b": 1.50,\n  "2": 12345678901234567890,\n  "s": "\\u00e9"\n}');
  expect(formatJsonSource('{"x":1.0,"y":[ ]}')).toBe('{\n  "x": 1.0,\n  "y": []\n}');
});
