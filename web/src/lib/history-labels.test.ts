import { describe, expect, it } from 'vitest';
import { actorLabel, exactTime, operationLabel, relativeTime, restorableBefore, undoTarget } from './history-labels.js';

describe('labels', () => {
  it('names every operation and a missing actor', () => {
    expect(operationLabel('update')).toBe('Updated');
    expect(operationLabel('rename_from')).toBe('Renamed away');
    expect(operationLabel('external')).toBe('Changed on disk');
    expect(actorLabel(null)).toBe('found on disk');
    expect(actorLabel('alice')).toBe('alice');
  });

  it('says how long ago, then the date', () => {
    const now = new Date('2026-12-07T21:00:00.000Z');
    expect(relativeTime('2026-12-07T20:59:30.000Z', now)).toBe('just now');
    expect(relativeTime('2026-12-07T20:55:00.000Z', now)).toBe('5 min ago');
    expect(relativeTime('2026-12-07T18:00:00.000Z', now)).toBe('3 h ago');
    expect(relativeTime('2026-12-06T12:00:00.000Z', now)).toBe('yesterday');
    expect(relativeTime('2026-12-03T12:00:00.000Z', now)).toBe('4 days ago');
    expect(relativeTime('2026-11-01T12:00:00.000Z', now)).toBe('2026-11-01');
    // A clock a little ahead of the browser's is not "in the future".
    expect(relativeTime('2026-12-07T21:00:02.000Z', now)).toBe('just now');
    expect(relativeTime('not a date', now)).toBe('not a date');
    expect(exactTime('2026-12-07T20:51:03.123Z')).toBe('2026-12-07 20:51:03 UTC');
  });
});

describe('versions', () => {
  const versions = [
    { version: 5, etag: '"e5"' },
    { version: 4, etag: null },
    { version: 3, etag: '"e3"' },
    { version: 2, etag: '"e2"' },
  ];

  it('finds the restorable version before one, skipping tombstones', () => {
    expect(restorableBefore(versions, 5)?.version).toBe(3);
    expect(restorableBefore(versions, 3)?.version).toBe(2);
    expect(restorableBefore(versions, 2)).toBeUndefined();
  });

  it('undoes a save by the version before the one it wrote', () => {
    expect(undoTarget(versions, '"e5"')?.version).toBe(3);
    expect(undoTarget(versions, '"e2"')).toBeUndefined();
    expect(undoTarget(versions, '"unknown"')).toBeUndefined();
  });
});
