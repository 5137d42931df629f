import { describe, expect, it } from 'vitest';
import { configTopics, messagesForChange } from '../../src/notifications/config-messages.js';
import { redactedUrl } from '../../src/notifications/mqtt-options.js';

describe('config change messages', () => {
  const topics = configTopics('iotsupport');

  it('go to the shared topic, then the device topic, with the per-device topics under one metric label', () => {
    expect(messagesForChange(topics, { operation: 'save', mac: 'aa-bb-cc-dd-ee-ff', etag: '"e1"', created: true })).toEqual([
      {
        topic: 'iotsupport/updates/configs',
        topicLabel: 'iotsupport/updates/configs',
        payload: '{"filename":"aa-bb-cc-dd-ee-ff.json","mac_address":"aa-bb-cc-dd-ee-ff","etag":"\\"e1\\"","operation":"save"}',
      },
      {
        topic: 'iotsupport/devices/aa-bb-cc-dd-ee-ff/config',
        topicLabel: 'iotsupport/devices/+/config',
        payload: '{"filename":"aa-bb-cc-dd-ee-ff.json","mac_address":"aa-bb-cc-dd-ee-ff","etag":"\\"e1\\"","operation":"save"}',
      },
    ]);
  });

  it('turn a rename into a delete of the old MAC followed by a save of the new one', () => {
    const messages = messagesForChange(topics, { operation: 'rename', from: 'aa-bb-cc-dd-ee-01', to: 'aa-bb-cc-dd-ee-02', etag: '"e2"' });
    expect(messages.map(({ topic, payload }) => [topic, JSON.parse(payload)])).toEqual([
      ['iotsupport/updates/configs', { filename: 'aa-bb-cc-dd-ee-01.json', mac_address: 'aa-bb-cc-dd-ee-01', etag: null, operation: 'delete' }],
      ['iotsupport/devices/aa-bb-cc-dd-ee-01/config', { filename: 'aa-bb-cc-dd-ee-01.json', mac_address: 'aa-bb-cc-dd-ee-01', etag: null, operation: 'delete' }],
      ['iotsupport/updates/configs', { filename: 'aa-bb-cc-dd-ee-02.json', mac_address: 'aa-bb-cc-dd-ee-02', etag: '"e2"', operation: 'save' }],
      ['iotsupport/devices/aa-bb-cc-dd-ee-02/config', { filename: 'aa-bb-cc-dd-ee-02.json', mac_address: 'aa-bb-cc-dd-ee-02', etag: '"e2"', operation: 'save' }],
    ]);
  });

  it('never show credentials from the broker URL in logs', () => {
    expect(redactedUrl('mqtt://svc:hunter2@broker.local:1883')).toBe('mqtt://broker.local:1883');
    expect(redactedUrl('wss://svc:hunter2@broker.local/mqtt')).toBe('wss://broker.local/mqtt');
    expect(redactedUrl('not a url')).toBe('(unparsable URL)');
  });
});
