import { createHash } from 'node:crypto';
import { summarizeConfig, type ConfigSummary } from './config-summary.js';
import { InvalidStoredConfig, PreconditionFailed, RecordExists } from './errors.js';
import { describeJsonKind } from './json-kind.js';
import { jsonSyntaxError } from './json-text.js';

/** A config as stored: its exact bytes, their ETag and the summary fields. */
export interface ConfigDocument {
  mac: string;
  etag: string;
  bytes: Buffer;
  summary: ConfigSummary;
}

/** What stored bytes hold: a usable config (its ETag and summary known), or the problem that makes them unusable. */
export interface StoredConfig {
  bytes: Buffer;
  etag: string | null;
  summary: ConfigSummary | null;
  /** Why the bytes are not a usable config, or null. */
  problem: string | null;
}

/** Conditions checked under the config's lock, atomically with the write they guard. */
export interface WriteConditions {
  /** ETags one of which the current file must have (`*`: the file must exist). */
  ifMatch?: readonly string[] | '*';
  /** ETags none of which the current file may have (`*`: the file must not exist, a create only). */
  ifNoneMatch?: readonly string[] | '*';
  /** false: the file must not exist (409 otherwise). */
  allowOverwrite?: boolean;
}

/** A strong ETag: a hash of the stored bytes, so every replica gives the same one for the same file. */
export function etagOf(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;
}

/**
 * A UTF-8 byte-order mark, which Windows editors (Notepad) may put at the start of a file. JSON forbids it
 * (RFC 8259) and parsers refuse it, so a config edited that way is served, hashed and wrapped without it.
 */
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

// ignoreBOM: a byte-order mark is stripped once, by inspectConfig, so what parses is exactly what is served.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What the stored bytes of the config of `mac` hold. */
export function inspectConfig(mac: string, fileBytes: Buffer): StoredConfig {
  const bytes = fileBytes.subarray(0, 3).equals(BYTE_ORDER_MARK) ? fileBytes.subarray(3) : fileBytes;
  const stored: StoredConfig = { bytes, etag: etagOf(bytes), summary: null, problem: null };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    stored.problem = 'the file is not valid UTF-8';
    return stored;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const found = jsonSyntaxError(text);
    stored.problem = found ? `invalid JSON at line ${found.line}, column ${found.column}: ${found.message}` : `invalid JSON (${(error as Error).message})`;
    return stored;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    stored.problem = `the JSON is ${describeJsonKind(value)}, not an object`;
    return stored;
  }
  stored.summary = summarizeConfig(mac, value as Record<string, unknown>);
  return stored;
}

/** Stored bytes that were never read, for `problem`. */
export function unreadConfig(problem: string): StoredConfig {
  return { bytes: Buffer.alloc(0), etag: null, summary: null, problem };
}

/** Whether stored bytes hold a usable config: one whose summary and ETag are known. */
export function isUsable<T extends StoredConfig>(stored: T): stored is T & { summary: ConfigSummary; etag: string } {
  return stored.summary !== null && stored.etag !== null;
}

/** How much of an unusable file's text an error shows. */
const RAW_TEXT_LIMIT = 64 * 1024;

/** The config of `mac` held by `stored`; throws InvalidStoredConfig, with the problem and the start of the text, when there is none. */
export function usableDocument(mac: string, stored: StoredConfig): ConfigDocument {
  if (!isUsable(stored)) {
    const raw = stored.bytes.subarray(0, RAW_TEXT_LIMIT).toString('utf8');
    throw new InvalidStoredConfig(mac, stored.problem ?? 'unusable', raw, stored.etag);
  }
  return { mac, etag: stored.etag, bytes: stored.bytes, summary: stored.summary };
}

/** Throws the domain error of the first of `conditions` that the current config of `mac` (null: none) fails. */
export function checkConditions(mac: string, current: StoredConfig | null, conditions: WriteConditions): void {
  const currentEtag = current?.etag ?? null;
  if (conditions.ifMatch !== undefined) {
    const matches =
      current !== null && (conditions.ifMatch === '*' || (currentEtag !== null && conditions.ifMatch.includes(currentEtag)));
    // A file that exists but has no ETag (never read: over the size limit, unreadable, not a file) cannot match any.
    if (!matches) throw new PreconditionFailed(mac, currentEtag, current !== null && currentEtag === null ? 'If-Match, unusable file' : 'If-Match');
  }
  if (conditions.ifNoneMatch !== undefined && current !== null) {
    // Weak comparison (RFC 9110): W/"x" excludes "x".
    if (conditions.ifNoneMatch === '*') throw new PreconditionFailed(mac, currentEtag, 'If-None-Match: *');
    if (currentEtag !== null && conditions.ifNoneMatch.some((tag) => tag.replace(/^W\//, '') === currentEtag)) {
      throw new PreconditionFailed(mac, currentEtag, 'If-None-Match');
    }
  }
  if (conditions.allowOverwrite === false && current !== null) throw new RecordExists(mac);
}
