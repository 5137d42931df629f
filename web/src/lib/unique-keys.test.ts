import { describe, expect, it } from 'vitest';
import { clearUniqueValues, DEFAULT_UNIQUE_KEYS } from './unique-keys.js';

describe('clearUniqueValues', () => {
  it('empties the unique values a copy must not share, keeping the rest and number spellings', () => {
    const text = '{\n  "deviceName": "Kitchen",\n  "deviceEntityId": "sensor.kitchen",\n  "wifi": {\n    "hostname": "kitchen",\n    "ssid": "Home"\n  },\n  "scale": 1.50\n}';
    const { text: copy, cleared } = clearUniqueValues(text, DEFAULT_UNIQUE_KEYS);
    expect(cleared).toEqual(['deviceEntityId', 'wifi.hostname']);
    expect(JSON.parse(copy)).toEqual({ deviceName: 'Kitchen', deviceEntityId: '', wifi: { hostname: '', ssid: 'Home' }, scale: 1.5 });
    expect(copy).toContain('"scale": 1.50');
  });

  it('leaves text alone when there is nothing to clear or it is not a JSON object', () => {
    expect(clearUniqueValues('{"a": 1}', DEFAULT_UNIQUE_KEYS)).toEqual({ text: '{"a": 1}', cleared: [] });
    expect(clearUniqueValues('{ broken', DEFAULT_UNIQUE_KEYS)).toEqual({ text: '{ broken', cleared: [] });
    expect(clearUniqueValues('[1]', DEFAULT_UNIQUE_KEYS)).toEqual({ text: '[1]', cleared: [] });
  });
});
