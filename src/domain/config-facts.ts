import { isJsonObject, type PathStep } from './json-edit.js';
import { shownValue } from './json-kind.js';

/** A leaf value a fleet check or a search compares: what JSON holds at the end of a path. */
export type LeafValue = string | number | boolean | null;

export interface PathValue {
  path: string;
  value: LeafValue;
}

/** The leaf at `steps` in `content`, or undefined when there is none (absent, or an object or array). */
export function leafAt(content: unknown, steps: readonly PathStep[]): LeafValue | undefined {
  let node: unknown = content;
  for (const step of steps) {
    if (Array.isArray(node) && /^\d+$/.test(step)) node = node[Number(step)];
    else if (isJsonObject(node) && Object.hasOwn(node, step)) node = node[step];
    else return undefined;
  }
  return typeof node === 'object' && node !== null ? undefined : (node as LeafValue | undefined);
}

/** The value of each of `paths` a config holds as a string, number or boolean (null and absent hold none). */
export function uniqueKeyValues(content: unknown, paths: readonly { path: string; steps: readonly PathStep[] }[]): PathValue[] {
  const values: PathValue[] = [];
  for (const { path, steps } of paths) {
    const value = leafAt(content, steps);
    if (value !== undefined && value !== null && value !== '') values.push({ path, value });
  }
  return values;
}

/** How two devices' values of a unique key compare: strings without regard to letter case. */
export function comparableValue(value: LeafValue): string {
  return typeof value === 'string' ? `s${value.toLowerCase()}` : `${typeof value}:${String(value)}`;
}

/** Shown instead of the value of a key the secret pattern names. */
export const MASKED_VALUE = '********';

/** One leaf a search found: the value is masked when its key is a secret. */
export interface LeafMatch extends PathValue {
  masked?: true;
}

/**
 * The first leaf, in document order, whose path or value contains `needle`
 * (already lower case), or null. A secret key's value is never compared, so
 * a search cannot tell which device holds a password; its path still
 * matches, with the value masked.
 */
export function firstLeafMatch(content: unknown, needle: string, isSecret: (key: string) => boolean): LeafMatch | null {
  const stack: { node: unknown; path: string; secret: boolean }[] = [{ node: content, path: '', secret: false }];
  while (stack.length > 0) {
    const { node, path, secret } = stack.pop()!;
    if (Array.isArray(node) || isJsonObject(node)) {
      const entries = Array.isArray(node) ? node.map((value, i) => [String(i), value] as const) : Object.entries(node);
      // Pushed last first, so that the walk is in document order.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, value] = entries[i]!;
        stack.push({ node: value, path: path === '' ? key : `${path}.${key}`, secret: secret || (!Array.isArray(node) && isSecret(key)) });
      }
      continue;
    }
    const value = node as LeafValue;
    if (secret) {
      if (path.toLowerCase().includes(needle)) return { path, value: MASKED_VALUE, masked: true };
    } else if (path.toLowerCase().includes(needle) || String(value).toLowerCase().includes(needle)) {
      return { path, value };
    }
  }
  return null;
}

/** A summary key present with a value of the wrong type, which the summary shows as null just as if it were absent. */
export interface SummaryProblem {
  key: string;
  value: unknown;
  expected: 'string' | 'boolean';
}

const SUMMARY_KEYS = [
  ['deviceName', 'string'],
  ['deviceEntityId', 'string'],
  ['enableOTA', 'boolean'],
] as const;

/** The summary keys a config holds with a value of another type than the summary takes. */
export function summaryProblems(content: unknown): SummaryProblem[] {
  if (!isJsonObject(content)) return [];
  const problems: SummaryProblem[] = [];
  for (const [key, expected] of SUMMARY_KEYS) {
    if (!Object.hasOwn(content, key)) continue;
    const value = content[key];
    if (typeof value !== expected) problems.push({ key, value: shownValue(value), expected });
  }
  return problems;
}
