import type { ConfigDocument } from '../storage/config-store.js';

const CLOSE = Buffer.from('}');

/**
 * Bodies already built, by the store's summary object, which lives as long
 * as the config version it describes is cached: an unchanged config is
 * wrapped once, not on every request.
 */
const bodies = new WeakMap<object, { bytes: Buffer; body: Buffer }>();

/**
 * The body of GET /api/configs/:mac: the summary fields, then the stored
 * document spliced in as it is on disk (no re-serialisation, so numbers and
 * key order are exactly as stored).
 */
export function configResponseBody(document: ConfigDocument): Buffer {
  const cached = bodies.get(document.summary);
  if (cached?.bytes === document.bytes) return cached.body;
  const summary = JSON.stringify(document.summary);
  const body = Buffer.concat([Buffer.from(`${summary.slice(0, -1)},"content":`), document.bytes, CLOSE]);
  bodies.set(document.summary, { bytes: document.bytes, body });
  return body;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
