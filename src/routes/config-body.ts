import type { ConfigDocument } from '../storage/config-store.js';

const CLOSE = Buffer.from('}');

/**
 * The body of GET /api/configs/:mac: the summary fields, then the stored
 * document spliced in as it is on disk (no re-serialisation, so numbers and
 * key order are exactly as stored).
 */
export function configResponseBody(document: ConfigDocument): Buffer {
  const summary = JSON.stringify(document.summary);
  return Buffer.concat([Buffer.from(`${summary.slice(0, -1)},"content":`), document.bytes, CLOSE]);
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
