import { ValidationFailed } from '../../domain/errors.js';
import type { WriteConditions } from '../../storage/config-store.js';

/** Parses an If-Match / If-None-Match value: `*`, or a list of entity tags. */
export function parseEtagList(header: string): '*' | string[] {
  const value = header.trim();
  if (value === '*') return '*';
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** An entity tag as RFC 9110 writes it: quoted, optionally weak (`W/"…"`). */
const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * The entity tags of a write's If-Match or If-None-Match header. A value that is not one (an ETag sent without
 * its quotes, say) is refused: it could never match, and a 412 "changed" would send the client looking for a
 * change that never happened.
 */
function conditionTags(name: 'If-Match' | 'If-None-Match', header: string): '*' | string[] {
  const tags = parseEtagList(header);
  const wrong = tags === '*' ? undefined : tags.find((tag) => !ENTITY_TAG.test(tag));
  if (wrong !== undefined || tags.length === 0) {
    const message = `${name} must be * or entity tags as the ETag header gives them, quotes included (e.g. "Xy12…"), not ${JSON.stringify(wrong ?? header)}`;
    throw new ValidationFailed(message, [{ field: name.toLowerCase(), message }]);
  }
  return tags;
}

/** Write conditions from the request's If-Match and If-None-Match headers. */
export function writeConditions(headers: { 'if-match'?: string; 'if-none-match'?: string }): WriteConditions {
  const conditions: WriteConditions = {};
  if (headers['if-match'] !== undefined) conditions.ifMatch = conditionTags('If-Match', headers['if-match']);
  if (headers['if-none-match'] !== undefined) conditions.ifNoneMatch = conditionTags('If-None-Match', headers['if-none-match']);
  return conditions;
}

/** Weak comparison, as RFC 9110 asks for If-None-Match on GET. */
export function etagMatchesNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  // What a device polling for changes sends: the ETag it was given, alone. No list to parse.
  if (header === etag) return true;
  const tags = parseEtagList(header);
  return tags === '*' || tags.some((tag) => tag.replace(/^W\//, '') === etag);
}
