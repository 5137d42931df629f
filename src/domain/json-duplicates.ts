import { isWhitespace, literalEnd, skipWhitespace, stringEnd } from './json-text.js';

/** A key that an object of a JSON text holds twice, and the JSON pointer (RFC 6901) of its second occurrence. */
export interface DuplicateKey {
  key: string;
  pointer: string;
}

const escapePointerToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

interface Open {
  /** The keys seen so far in an object; null for an array. */
  keys: Set<string> | null;
  /** This container's pointer. */
  pointer: string;
  /** The next element's index, in an array. */
  index: number;
}

/**
 * The first duplicate key of a valid JSON text, or null. `JSON.parse` keeps the last of two equal keys, and a
 * device's parser may keep the first: stored as sent, such a config would mean one thing to the API and another
 * to the device. Keys are compared as decoded strings, so `"a"` and `"\u0061"` are the same key. Linear, no
 * recursion.
 */
export function firstDuplicateKey(text: string): DuplicateKey | null {
  const open: Open[] = [];
  /** The pointer of the value that starts next, in the innermost container. */
  let valuePointer = '';
  let i = skipWhitespace(text, 0);
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      open.push({ keys: ch === '{' ? new Set() : null, pointer: valuePointer, index: 0 });
      i = skipWhitespace(text, i + 1);
      const container = open.at(-1)!;
      if (container.keys === null) valuePointer = `${container.pointer}/0`;
      continue;
    }
    if (ch === '}' || ch === ']') {
      open.pop();
      i = skipWhitespace(text, i + 1);
      continue;
    }
    if (ch === ',') {
      const container = open.at(-1)!;
      if (container.keys === null) valuePointer = `${container.pointer}/${++container.index}`;
      i = skipWhitespace(text, i + 1);
      continue;
    }
    const container = open.at(-1);
    if (ch === '"' && container?.keys && isKeyPosition(text, i)) {
      const end = stringEnd(text, i);
      const raw = text.slice(i + 1, end - 1);
      const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
      const pointer = `${container.pointer}/${escapePointerToken(key)}`;
      if (container.keys.has(key)) return { key, pointer };
      container.keys.add(key);
      valuePointer = pointer;
      i = skipWhitespace(text, end);
      // Past the colon: the value follows.
      i = skipWhitespace(text, i + 1);
      continue;
    }
    // A scalar value: skip it.
    i = ch === '"' ? stringEnd(text, i) : literalEnd(text, i);
    i = skipWhitespace(text, i);
  }
  return null;
}

/** Whether the string at `i`, inside an object, is a key: it follows `{` or `,`. */
function isKeyPosition(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && isWhitespace(text.charCodeAt(j))) j--;
  return text[j] === '{' || text[j] === ',';
}
