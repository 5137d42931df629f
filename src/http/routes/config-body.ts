import type { ConfigSummary } from '../../domain/config-summary.js';
import { keptBytes, keptText } from '../../storage/kept-bytes.js';
import type { ConfigDocument, ConfigListing } from '../../storage/config-store.js';
import type { ValidationResult } from '../../storage/config-validation.js';

const CLOSE = Buffer.from('}');

/**
 * Bodies already built, by the store's summary object, which lives as long
 * as the config version it describes is cached: an unchanged config is
 * wrapped once, not on every request.
 */
const bodies = new WeakMap<object, { bytes: Buffer; body: Buffer }>();

/**
 * A config as the API answers it: the summary fields, then the stored
 * document spliced in as it is on disk (no re-serialisation, so numbers and
 * key order are exactly as stored). Built anew: for the answer to a save or
 * a rename, sent once, so that saves over a whole fleet do not keep a second
 * copy of every config.
 */
export function wrappedConfig(document: ConfigDocument): Buffer {
  const summary = JSON.stringify(document.summary);
  return Buffer.concat([Buffer.from(`${summary.slice(0, -1)},"content":`), document.bytes, CLOSE]);
}

/** The body of GET /api/configs/:mac_address: {@link wrappedConfig}, built once per version of the config and kept. */
export function configResponseBody(document: ConfigDocument): Buffer {
  const cached = bodies.get(document.summary);
  if (cached?.bytes === document.bytes) return cached.body;
  const body = keptBytes(wrappedConfig(document));
  bodies.set(document.summary, { bytes: document.bytes, body });
  return body;
}

const LIST_HEAD = Buffer.from('{"configs":[');
const COMMA = Buffer.from(',');

/** Members added to each summary of the list, and the key of their current values. */
export interface ListExtras {
  /** Compared with `===` to the key the kept body was built with: another key rebuilds the body. */
  key(): unknown;
  /** JSON members, each led by a comma (`,"name":value`), to add to `listing.configs[index]`. */
  members(listing: ConfigListing, index: number): Buffer;
}

/**
 * The body of GET /api/configs, the same bytes as `JSON.stringify({ configs, count, skipped })`, built once per
 * version of the listing (one builder per app: versions are counted per store) and of each of the `extras` (the
 * devices' fetch state, the configs' validation), and sent as bytes. Each summary's JSON is kept as bytes while its
 * config is unchanged, so a save re-encodes one summary, not the fleet (see docs/adr/0006-list-index.md).
 */
export function listResponseBodies(extras: readonly ListExtras[] = []): (listing: ConfigListing) => Buffer {
  const summaryBytes = new WeakMap<ConfigSummary, Buffer>();
  const bytesOf = (summary: ConfigSummary): Buffer => {
    let bytes = summaryBytes.get(summary);
    if (bytes === undefined) summaryBytes.set(summary, (bytes = keptText(JSON.stringify(summary))));
    return bytes;
  };
  let current: { version: number; extrasKeys: unknown[]; body: Buffer } | null = null;
  return (listing) => {
    const extrasKeys = extras.map((extra) => extra.key());
    if (current?.version !== listing.version || extrasKeys.some((key, i) => key !== current!.extrasKeys[i])) {
      const parts: Buffer[] = [LIST_HEAD];
      listing.configs.forEach((summary, i) => {
        if (i > 0) parts.push(COMMA);
        const bytes = bytesOf(summary);
        if (extras.length === 0) parts.push(bytes);
        else parts.push(bytes.subarray(0, -1), ...extras.map((extra) => extra.members(listing, i)), CLOSE);
      });
      parts.push(Buffer.from(`],"count":${listing.configs.length},"skipped":${JSON.stringify(listing.skipped)}}`));
      current = { version: listing.version, extrasKeys, body: Buffer.concat(parts) };
    }
    return current.body;
  };
}

/** What the list needs of the fleet's validation: each config's result, and a version that changes with the schemas. */
export interface FleetValidationView {
  version: number;
  resultOf(mac: string): ValidationResult;
}

/** A config body with its validation added as the last member. */
export function withValidation(body: Buffer, validation: ValidationResult): Buffer {
  return Buffer.concat([body.subarray(0, body.length - 1), Buffer.from(`,"validation":${JSON.stringify(validation)}}`)]);
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
