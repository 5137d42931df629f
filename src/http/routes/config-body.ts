import type { ConfigSummary } from '../../domain/config-summary.js';
import { keptBytes, keptText } from '../../storage/kept-bytes.js';
import type { ConfigDocument, ConfigListing } from '../../storage/config-store.js';

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

/** The body of GET /api/configs/:mac: {@link wrappedConfig}, built once per version of the config and kept. */
export function configResponseBody(document: ConfigDocument): Buffer {
  const cached = bodies.get(document.summary);
  if (cached?.bytes === document.bytes) return cached.body;
  const body = keptBytes(wrappedConfig(document));
  bodies.set(document.summary, { bytes: document.bytes, body });
  return body;
}

const LIST_HEAD = Buffer.from('{"configs":[');
const COMMA = 0x2c;

/** A response being sent: its `close` event comes once the body's bytes are no longer needed. */
export interface SentResponse {
  once(event: 'close', listener: () => void): unknown;
}

interface ListBody {
  version: number;
  body: Buffer;
  /** Responses sending `body` now: while there are any, its memory is not written again. */
  sending: number;
}

/** Superseded bodies' memory kept for the next builds: enough for lists sent while the next change comes. */
const SPARE_BODIES = 2;

/**
 * The body of GET /api/configs, the same bytes as `JSON.stringify({ configs, count, skipped })`, built once
 * per version of the listing (one builder per app: versions are counted per store) and sent as bytes, not
 * encoded again on every request. Each summary's JSON is kept as bytes, so a change encodes only what
 * changed, and the body is built by copying them into one buffer: at 10,000 configs, joining the text and
 * encoding the 1.3 MB anew took 2.6–3.5 ms, copying takes 0.3–0.7 ms (microbenchmark on the benchmark's fleet).
 *
 * A body is built into the memory of one that is superseded and no longer being sent, when there is one:
 * under saves between lists, every list is built anew, and fresh memory for each would pile up until the
 * garbage collector ran (16 MB more peak RSS at 10,000 configs, lists and saves in turn).
 */
export function listResponseBodies(): (listing: ConfigListing, response: SentResponse) => Buffer {
  const summaryBytes = new WeakMap<ConfigSummary, Buffer>();
  const bytesOf = (summary: ConfigSummary): Buffer => {
    let bytes = summaryBytes.get(summary);
    if (bytes === undefined) summaryBytes.set(summary, (bytes = keptText(JSON.stringify(summary))));
    return bytes;
  };
  let current: ListBody | null = null;
  const spares: Buffer[] = [];
  const retire = (superseded: ListBody) => {
    if (superseded === current || superseded.sending > 0) return;
    // The newest are kept: one of a size that no longer fits (the fleet grew or shrank) ages out.
    if (spares.push(superseded.body) > SPARE_BODIES) spares.shift();
  };
  const memoryFor = (length: number): Buffer => {
    // Not one much bigger than needed: after a fleet shrinks, its old size is not kept for ever.
    const fitting = spares.findIndex((spare) => spare.buffer.byteLength >= length && spare.buffer.byteLength <= 2 * length);
    const spare = fitting < 0 ? undefined : spares.splice(fitting, 1)[0];
    // Room to grow: a fleet that gains a config does not need new memory for its next list.
    return spare ? Buffer.from(spare.buffer, 0, length) : Buffer.allocUnsafeSlow(length + (length >> 6)).subarray(0, length);
  };
  const build = (listing: ConfigListing): Buffer => {
    const parts = listing.configs.map(bytesOf);
    const tail = Buffer.from(`],"count":${parts.length},"skipped":${JSON.stringify(listing.skipped)}}`);
    let length = LIST_HEAD.length + Math.max(0, parts.length - 1) + tail.length;
    for (const part of parts) length += part.length;
    const body = memoryFor(length);
    let offset = LIST_HEAD.copy(body, 0);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) body[offset++] = COMMA;
      offset += parts[i]!.copy(body, offset);
    }
    // The memory is not zeroed: a length that did not add up would send whatever it held before.
    if (offset + tail.length !== length) throw new Error(`list body of ${length} bytes filled to ${offset + tail.length}`);
    tail.copy(body, offset);
    return body;
  };
  return (listing, response) => {
    if (current?.version !== listing.version) {
      const superseded = current;
      current = { version: listing.version, body: build(listing), sending: 0 };
      if (superseded) retire(superseded);
    }
    const sent = current;
    sent.sending++;
    response.once('close', () => {
      sent.sending--;
      retire(sent);
    });
    return sent.body;
  };
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
