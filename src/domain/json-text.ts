/**
 * Helpers that work on JSON *text* that has already been checked by
 * `JSON.parse`. Working on the text rather than on parsed values keeps what
 * the client sent exactly: key order (JSON.parse moves integer-like keys
 * first), duplicate keys, string escapes and numbers beyond double precision.
 */

// Character codes, compared rather than one-character strings: a save formats every body it stores.
const SPACE = 0x20;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export const isWhitespace = (code: number) => code === SPACE || code === LINE_FEED || code === CARRIAGE_RETURN || code === TAB;

/** Index just past the string token that starts at `start` (a `"`). */
export function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) return i + 1; // "
    i += ch === 0x5c ? 2 : 1; // a backslash escapes the next character
  }
  return text.length;
}

/** Index just past the literal (number, true, false, null) that starts at `start`. */
export function literalEnd(text: string, start: number): number {
  let i = start;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === COMMA || code === COLON || code === CLOSE_BRACKET || code === CLOSE_BRACE || isWhitespace(code)) break;
  }
  return i;
}

export function skipWhitespace(text: string, start: number): number {
  let i = start;
  while (isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the value (of any kind) that starts at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return stringEnd(text, start);
  if (first !== '{' && first !== '[') return literalEnd(text, start);
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** The deepest nesting of objects and arrays in a JSON text (0 for a scalar). Linear, no recursion. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      i = stringEnd(text, i) - 1;
    } else if (ch === 0x7b || ch === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/**
 * The text of member `key` of the top-level object in `text`, or undefined.
 * When the key appears more than once the last one wins, as with JSON.parse.
 */
export function memberText(text: string, key: string): string | undefined {
  let i = skipWhitespace(text, 0);
  if (text[i] !== '{') return undefined;
  let found: string | undefined;
  i = skipWhitespace(text, i + 1);
  while (i < text.length && text[i] !== '}') {
    const keyEnd = stringEnd(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWhitespace(text, keyEnd) + 1; // past ':'
    const start = skipWhitespace(text, i);
    const end = valueEnd(text, start);
    if (name === key) found = text.slice(start, end);
    i = skipWhitespace(text, end);
    if (text[i] === ',') i = skipWhitespace(text, i + 1);
  }
  return found;
}

/**
 * Pretty-prints a valid JSON text with 2-space indentation, the same layout
 * as `JSON.stringify(value, null, 2)`, but copying every string and number
 * token verbatim. With `maxLength`, gives up (undefined) as soon as the result
 * would be longer: deep nesting can grow a text sixty times over.
 */
export function formatJsonText(text: string): string;
export function formatJsonText(text: string, maxLength: number): string | undefined;
export function formatJsonText(text: string, maxLength = Infinity): string | undefined {
  let out = '';
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    if (out.length > maxLength) return undefined;
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      const next = skipWhitespace(text, i + 1);
      const empty = text.charCodeAt(next) === (code === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET);
      if (!empty) depth++;
      out += empty ? (code === OPEN_BRACE ? '{}' : '[]') : (code === OPEN_BRACE ? '{' : '[') + lineBreak(depth);
      i = empty ? next + 1 : i + 1;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      out += lineBreak(depth) + (code === CLOSE_BRACE ? '}' : ']');
      i++;
    } else if (code === COMMA) {
      out += ',' + lineBreak(depth);
      i++;
    } else if (code === COLON) {
      out += ': ';
      i++;
    } else if (isWhitespace(code)) {
      i++;
    } else {
      const end = literalEnd(text, i);
      out += text.slice(i, end);
      i = end;
    }
  }
  return out.length > maxLength ? undefined : out;
}

const lineBreaks: string[] = [];

/** A newline and the indentation of `depth`, built once per depth. */
function lineBreak(depth: number): string {
  return (lineBreaks[depth] ??= `\n${'  '.repeat(depth)}`);
}

/** Where and why a text is not JSON. `line` and `column` count from 1, `column` in UTF-16 code units. */
export interface JsonSyntaxError {
  offset: number;
  line: number;
  column: number;
  message: string;
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const WORD = /[A-Za-z_]\w*/y;

/**
 * The first syntax error of a JSON text (RFC 8259), or null when it is valid:
 * exactly when `JSON.parse` throws, but with a position and a plain message,
 * which V8 gives for only some errors. Linear, no recursion.
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const open: ('{' | '[')[] = [];
  const fail = (message: string): JsonSyntaxError => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    return { offset: i, line, column: i - before.lastIndexOf('\n'), message };
  };
  const skip = () => {
    i = skipWhitespace(text, i);
  };
  const found = () => {
    if (i >= text.length) return 'the end of the text';
    WORD.lastIndex = i;
    // A bare word (`tru`, `fast`) is shown whole, a character alone.
    const shown = JSON.stringify(WORD.test(text) ? text.slice(i, WORD.lastIndex) : text[i]);
    // `[1, 2,]`: a comma after the last item, which JSON does not allow.
    return (text[i] === ']' || text[i] === '}') && text.slice(0, i).trimEnd().endsWith(',') ? `${shown}: remove the comma before it` : shown;
  };
  /** Scans the string that starts at i; null when it is well formed. */
  const scanString = (): JsonSyntaxError | null => {
    i++;
    for (;;) {
      if (i >= text.length) return fail('Unterminated string: a closing " is missing');
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return null;
      }
      if (code === 0x5c) {
        STRING_ESCAPE.lastIndex = i;
        if (!STRING_ESCAPE.test(text)) return fail('Invalid escape in a string: use \\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u followed by 4 hex digits');
        i = STRING_ESCAPE.lastIndex;
      } else if (code < 0x20) {
        return fail('A string cannot contain a line break or control character: write it as \\n, \\t or \\u00XX');
      } else i++;
    }
  };
  /** Scans `"name":` at i; null when it is well formed. */
  const scanMemberName = (): JsonSyntaxError | null => {
    if (text[i] !== '"') return fail(`Expected a property name in double quotes, found ${found()}`);
    const error = scanString();
    if (error) return error;
    skip();
    if (text[i] !== ':') return fail(`Expected ':' after the property name, found ${found()}`);
    i++;
    return null;
  };

  for (;;) {
    // A value is expected here.
    skip();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      open.push(ch);
      i++;
      skip();
      if (text[i] === (ch === '{' ? '}' : ']')) {
        open.pop();
        i++;
      } else {
        const error = ch === '{' ? scanMemberName() : null;
        if (error) return error;
        continue;
      }
    } else if (ch === '"') {
      const error = scanString();
      if (error) return error;
    } else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) {
      JSON_NUMBER.lastIndex = i;
      if (!JSON_NUMBER.test(text)) return fail('Invalid number');
      i = JSON_NUMBER.lastIndex;
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
      i += 4;
    } else if (text.startsWith('false', i)) {
      i += 5;
    } else {
      return fail(ch === "'" ? `Expected a value, found ${found()}: strings take double quotes` : `Expected a value, found ${found()}`);
    }

    // After a value: close what it ends, then a comma leads to the next value, or the text ends.
    for (;;) {
      skip();
      const container = open.at(-1);
      if (container === undefined) return i >= text.length ? null : fail(`Unexpected ${found()} after the end of the JSON value`);
      const close = container === '{' ? '}' : ']';
      if (text[i] === close) {
        open.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') return fail(`Expected ',' or '${close}', found ${found()}`);
      i++;
      skip();
      const error = container === '{' ? scanMemberName() : null;
      if (error) return error;
      break;
    }
  }
}
