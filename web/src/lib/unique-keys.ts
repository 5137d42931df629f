import { isLosslessNumber, parse, stringify } from 'lossless-json';

/** The service's default UNIQUE_KEYS: a copy clears these when the service's own list (in the checks) cannot be read. */
export const DEFAULT_UNIQUE_KEYS = ['deviceEntityId', 'wifi.hostname', 'wifi.staticIp'] as const;

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null && !isLosslessNumber(value);

/**
 * A duplicated config's text with the values of `paths` (dot-separated) emptied (set to ""), so the copy does not share
 * them with its source; numbers keep their spelling. Returns the paths cleared; text that is not a JSON object is
 * returned as it is. (src/domain/json-edit.ts does this for the service, but pulls in node:crypto.)
 */
export function clearUniqueValues(text: string, paths: readonly string[]): { text: string; cleared: string[] } {
  let content: unknown;
  try {
    content = parse(text);
  } catch {
    return { text, cleared: [] };
  }
  if (!isContainer(content) || Array.isArray(content)) return { text, cleared: [] };
  const cleared: string[] = [];
  for (const path of paths) {
    const steps = path.split('.');
    const last = steps.pop()!;
    let parent: unknown = content;
    for (const step of steps) parent = isContainer(parent) ? (parent as Record<string, unknown>)[step] : undefined;
    if (!isContainer(parent) || !Object.hasOwn(parent, last)) continue;
    const value = (parent as Record<string, unknown>)[last];
    if (value === null || value === '' || isContainer(value)) continue;
    (parent as Record<string, unknown>)[last] = '';
    cleared.push(path);
  }
  return cleared.length === 0 ? { text, cleared } : { text: stringify(content, null, 2) ?? text, cleared };
}
