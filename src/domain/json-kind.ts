/**
 * How messages name a JSON value's kind. Free of Node modules, so that the
 * web UI words them as the service does.
 */

/** `an array`, `an object`, `null`, `a string`, `a number`, `a boolean`. */
export function describeJsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The value itself when it is a leaf, else its kind (`an object`, `an array`): what a report shows of it. */
export function shownValue(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? describeJsonKind(value) : value;
}
