import type { WriteConditions } from '../storage/config-store.js';

/** Parses an If-Match / If-None-Match value: `*`, or a list of entity tags. */
export function parseEtagList(header: string): '*' | string[] {
  const value = header.trim();
  if (value === '*') return '*';
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** Write conditions from the request's If-Match and If-None-Match headers. */
export function writeConditions(headers: { 'if-match'?: string; 'if-none-match'?: string }): WriteConditions {
  const conditions: WriteConditions = {};
  if (headers['if-match'] !== undefined) conditions.ifMatch = parseEtagList(headers['if-match']);
  if (headers['if-none-match'] !== undefined) conditions.ifNoneMatch = parseEtagList(headers['if-none-match']);
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
