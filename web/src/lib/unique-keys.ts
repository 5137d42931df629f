import { parse, stringify } from 'lossless-json';
import { isJsonObject, parseEditPath, setAtPath } from '../../../src/domain/json-edit.js';
import { leafAt } from '../../../src/domain/config-facts.js';

/** The service's default UNIQUE_KEYS: a copy asks for these whatever the checks have found so far. */
export const DEFAULT_UNIQUE_KEYS = ['deviceEntityId', 'wifi.hostname', 'wifi.staticIp'] as const;

/**
 * A duplicated config's text with the values of `paths` emptied (set to ""), so the copy does not share them with its
 * source; the rest keeps its bytes' meaning (numbers as spelt). Returns the paths cleared; text that is not a JSON
 * object is returned as it is.
 */
export function clearUniqueValues(text: string, paths: readonly string[]): { text: string; cleared: string[] } {
  let content: unknown;
  try {
    content = parse(text);
  } catch {
    return { text, cleared: [] };
  }
  if (!isJsonObject(content)) return { text, cleared: [] };
  const cleared: string[] = [];
  for (const path of paths) {
    const parsed = parseEditPath(path);
    if ('error' in parsed) continue;
    const value = leafAt(content, parsed.steps);
    if (value === undefined || value === null || value === '') continue;
    setAtPath(content, parsed.steps, '');
    cleared.push(path);
  }
  return cleared.length === 0 ? { text, cleared } : { text: stringify(content, null, 2) ?? text, cleared };
}
