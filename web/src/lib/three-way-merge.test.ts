import { describe, expect, it } from 'vitest';
import { hasConflictMarkers, mergeThreeWay, mergeWithMarkers, resolveMerge } from './three-way-merge.js';

const text = (value: Record<string, unknown>) => JSON.stringify(value, null, 2);
const BASE = { deviceName: 'Kitchen', numLeds: 120, wifi: { ssid: 'home', channel: 6 }, logLevel: 'info', interval: 30 };

describe('mergeThreeWay', () => {
  it('combines changes to different lines, keeping both', () => {
    const theirs = text({ ...BASE, numLeds: 144 });
    const mine = text({ ...BASE, interval: 60 });
    const merge = mergeThreeWay(text(BASE), theirs, mine);
    expect(merge.conflicts).toBe(0);
    expect(JSON.parse(resolveMerge(merge, [])!)).toEqual({ ...BASE, numLeds: 144, interval: 60 });
  });

  it('combines in-place edits of neighbouring lines, which diff3 alone calls a conflict', () => {
    const theirs = text({ ...BASE, wifi: { ssid: 'home', channel: 11 } });
    const mine = text({ ...BASE, logLevel: 'debug' });
    const merge = mergeThreeWay(text(BASE), theirs, mine);
    expect(merge.conflicts).toBe(0);
    expect(JSON.parse(resolveMerge(merge, [])!)).toEqual({ ...BASE, wifi: { ssid: 'home', channel: 11 }, logLevel: 'debug' });
  });

  it('takes a change made the same way on both sides once, without a conflict', () => {
    const both = text({ ...BASE, numLeds: 200 });
    const merge = mergeThreeWay(text(BASE), both, both);
    expect(merge.conflicts).toBe(0);
    expect(resolveMerge(merge, [])).toBe(both);
  });

  it('reports a line changed differently on both sides as a conflict, resolved by the choice made', () => {
    const theirs = text({ ...BASE, numLeds: 144 });
    const mine = text({ ...BASE, numLeds: 90, interval: 60 });
    const merge = mergeThreeWay(text(BASE), theirs, mine);
    expect(merge.conflicts).toBe(1);
    const conflict = merge.hunks.find((hunk) => hunk.kind === 'conflict');
    expect(conflict).toEqual({ kind: 'conflict', mine: ['  "numLeds": 90,'], base: ['  "numLeds": 120,'], theirs: ['  "numLeds": 144,'] });
    expect(resolveMerge(merge, [])).toBeNull();
    expect(JSON.parse(resolveMerge(merge, ['theirs'])!)).toEqual({ ...BASE, numLeds: 144, interval: 60 });
    expect(JSON.parse(resolveMerge(merge, ['mine'])!)).toEqual({ ...BASE, numLeds: 90, interval: 60 });
  });

  it('keeps a conflict to the lines changed on both sides, combining their neighbours', () => {
    const theirs = text({ ...BASE, numLeds: 144, interval: 60 });
    const mine = text({ ...BASE, numLeds: 90, logLevel: 'debug' });
    const merge = mergeThreeWay(text(BASE), theirs, mine);
    expect(merge.conflicts).toBe(1);
    expect(JSON.parse(resolveMerge(merge, ['mine'])!)).toEqual({ ...BASE, numLeds: 90, logLevel: 'debug', interval: 60 });
  });

  it('a conflict where lines were added on one side is not combined line by line', () => {
    const theirs = text({ deviceName: 'A', extra: 1, numLeds: 1 });
    const mine = text({ deviceName: 'B', numLeds: 1 });
    const merge = mergeThreeWay(text({ deviceName: 'K', numLeds: 1 }), theirs, mine);
    expect(merge.conflicts).toBe(1);
  });
});

describe('mergeWithMarkers', () => {
  it('marks open conflicts and applies the chosen ones', () => {
    const base = 'a\nb\nc\nd\ne';
    const merge = mergeThreeWay(base, 'a\nB1\nc\nd\nE1', 'a\nB2\nc\nd\nE2');
    expect(merge.conflicts).toBe(2);
    const marked = mergeWithMarkers(merge, ['mine']);
    expect(marked).toBe('a\nB2\nc\nd\n<<<<<<< mine\nE2\n=======\nE1\n>>>>>>> stored now');
    expect(hasConflictMarkers(marked)).toBe(true);
    expect(hasConflictMarkers(mergeWithMarkers(merge, ['mine', 'theirs']))).toBe(false);
  });

  it('does not take a string merely containing equals signs for a marker', () => {
    expect(hasConflictMarkers('{\n  "note": "======= not a marker"\n}')).toBe(false);
    expect(hasConflictMarkers('=======')).toBe(true);
  });
});
