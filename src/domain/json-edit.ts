import { isLosslessNumber } from 'lossless-json';
import { describeJsonKind } from './json-kind.js';

/**
 * Edits of a parsed config: dot-separated paths (`sensors.0.pin`), setting
 * and removing the value at a path, and JSON Merge Patch (RFC 7396). Configs
 * are parsed with lossless-json, so a number is a LosslessNumber that keeps
 * its text (`1.0`, digits beyond double precision) and is a leaf, not an object.
 */

/** One step of a path: an object key, or a digits-only step that is an array index (or a key on an object). */
export type PathStep = string;

export type JsonObject = { [key: string]: unknown };

/** Steps a path may not take: JSON.parse makes them own keys, but assigning them would reach an object's prototype. */
const FORBIDDEN_STEPS = new Set(['__proto__', 'constructor', 'prototype']);

export const MAX_PATH_LENGTH = 1024;

/** The steps of a dot-separated path, or why it is not one. */
export function parseEditPath(path: string): { steps: PathStep[] } | { error: string } {
  if (path.length === 0) return { error: 'the path is empty' };
  if (path.length > MAX_PATH_LENGTH) return { error: `the path is longer than ${MAX_PATH_LENGTH} characters` };
  const steps = path.split('.');
  if (steps.some((step) => step.length === 0)) return { error: 'the path has an empty step (two dots, or a dot at an end)' };
  const forbidden = steps.find((step) => FORBIDDEN_STEPS.has(step));
  if (forbidden !== undefined) return { error: `the path takes the step ${forbidden}, which is not allowed` };
  return { steps };
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/** Sets an own member without ever reaching the prototype. */
function setMember(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

const isIndex = (step: string) => /^(0|[1-9][0-9]*)$/.test(step);

/** Thrown when a path cannot apply to one config; the bulk edit reports it for that device only. */
export class EditNotApplicable extends Error {}

function kindOf(value: unknown): string {
  return isLosslessNumber(value) ? 'a number' : describeJsonKind(value);
}

/**
 * Sets the value at `steps` in `root` (changed in place), creating missing
 * parent objects. An array step must be an index within the array or just
 * past its end (which appends).
 */
export function setAtPath(root: JsonObject, steps: readonly PathStep[], value: unknown): void {
  let node: unknown = root;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    const where = steps.slice(0, i).join('.') || 'the config';
    if (Array.isArray(node)) {
      if (!isIndex(step) || Number(step) > node.length) throw new EditNotApplicable(`${where} is an array of ${node.length} items, and ${step} is not an index in it`);
      const index = Number(step);
      if (last) node[index] = value;
      else if (index === node.length) throw new EditNotApplicable(`${where} has no item ${index} to go through`);
      else node = node[index];
      return;
    }
    if (!isJsonObject(node)) throw new EditNotApplicable(`${where} is ${kindOf(node)}, not an object`);
    if (last) {
      setMember(node, step, value);
      return;
    }
    if (!Object.hasOwn(node, step)) setMember(node, step, {});
    node = node[step];
  });
}

/** Removes the value at `steps` from `root` (in place); an array item is spliced out. Nothing to remove is no change. */
export function unsetAtPath(root: JsonObject, steps: readonly PathStep[]): void {
  let node: unknown = root;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const last = i === steps.length - 1;
    const where = steps.slice(0, i).join('.') || 'the config';
    if (Array.isArray(node)) {
      if (!isIndex(step)) throw new EditNotApplicable(`${where} is an array, and ${step} is not an index`);
      const index = Number(step);
      if (index >= node.length) return;
      if (last) node.splice(index, 1);
      else node = node[index];
      continue;
    }
    if (!isJsonObject(node)) throw new EditNotApplicable(`${where} is ${kindOf(node)}, not an object`);
    if (!Object.hasOwn(node, step)) return;
    if (last) delete node[step];
    else node = node[step];
  }
}

/**
 * JSON Merge Patch (RFC 7396): a new value, `target` and `patch` untouched
 * but for subtrees shared with the result. Written here rather than taken
 * from a package: see docs/adr/0017-fleet-edits.md.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = {};
  if (isJsonObject(target)) for (const key of Object.keys(target)) setMember(result, key, target[key]);
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete result[key];
    else setMember(result, key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}

/** One difference between two configs: `before` absent for an addition, `after` absent for a removal. */
export interface JsonChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** A number as a plain value for an answer (its text kept only on disk). */
export function plainJson(value: unknown): unknown {
  if (isLosslessNumber(value)) return Number(value.value);
  if (Array.isArray(value)) return value.map(plainJson);
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) setMember(out, key, plainJson(value[key]));
    return out;
  }
  return value;
}

function sameLeaf(a: unknown, b: unknown): boolean {
  const textOf = (value: unknown) => (isLosslessNumber(value) ? value.value : typeof value === 'number' ? String(value) : undefined);
  const [textA, textB] = [textOf(a), textOf(b)];
  if (textA === undefined || textB === undefined) return textA === textB && a === b;
  // A request's numbers are parsed plainly, so `1.0` stored and `1.0` sent compare by value, not by spelling.
  return textA === textB || ((!isLosslessNumber(a) || !isLosslessNumber(b)) && Number(textA) === Number(textB));
  return a === b;
}

/**
 * The leaf-level changes from `before` to `after`, in the order of `after`'s
 * keys then the removed ones: objects and arrays are compared member by
 * member, so a change deep in a config is one entry with its full path.
 */
export function jsonChanges(before: unknown, after: unknown, path = ''): JsonChange[] {
  const at = (step: string | number) => (path === '' ? String(step) : `${path}.${step}`);
  if (isJsonObject(before) && isJsonObject(after)) {
    const changes: JsonChange[] = [];
    for (const key of Object.keys(after)) {
      if (Object.hasOwn(before, key)) changes.push(...jsonChanges(before[key], after[key], at(key)));
      else changes.push({ path: at(key), after: plainJson(after[key]) });
    }
    for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) changes.push({ path: at(key), before: plainJson(before[key]) });
    return changes;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: JsonChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= before.length) changes.push({ path: at(i), after: plainJson(after[i]) });
      else if (i >= after.length) changes.push({ path: at(i), before: plainJson(before[i]) });
      else changes.push(...jsonChanges(before[i], after[i], at(i)));
    }
    return changes;
  }
  if (!Array.isArray(before) && !isJsonObject(before) && !Array.isArray(after) && !isJsonObject(after) && sameLeaf(before, after)) return [];
  return [{ path: path === '' ? '' : path, before: plainJson(before), after: plainJson(after) }];
}
