import { describe, expect, it } from 'vitest';
import { summaryProblems } from '../../src/domain/config-facts.js';
import { describeJsonKind, shownValue } from '../../src/domain/json-kind.js';

describe('describeJsonKind', () => {
  it('names each JSON kind with its article', () => {
    expect([{}, [], null, 'x', 1, true].map(describeJsonKind)).toEqual(['an object', 'an array', 'null', 'a string', 'a number', 'a boolean']);
  });

  it('shows a leaf as itself and a container as its kind, as the summary problems do', () => {
    expect([{ a: 1 }, [1], null, 42].map(shownValue)).toEqual(['an object', 'an array', null, 42]);
    expect(summaryProblems({ deviceName: 42, deviceEntityId: { id: 1 }, enableOTA: 'yes' })).toEqual([
      { key: 'deviceName', value: 42, expected: 'string' },
      { key: 'deviceEntityId', value: 'an object', expected: 'string' },
      { key: 'enableOTA', value: 'yes', expected: 'boolean' },
    ]);
  });
});
