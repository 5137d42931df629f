import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ValidationFailed } from '../../domain/errors.js';
import { firstDuplicateKey } from '../../domain/json-duplicates.js';
import { jsonNestingDepth } from '../../domain/json-text.js';

/** Deeper JSON than this is refused: no device config needs it, and it guards every later step against stack exhaustion. */
export const MAX_JSON_DEPTH = 64;

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON request body as text, exactly as sent (used to store the content verbatim). */
    rawJsonBody?: string;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const UNSUPPORTED_MEDIA_TYPE_MESSAGE = 'Unsupported content type: send the body as application/json, in UTF-8';

function bodyError(message: string): ValidationFailed {
  return new ValidationFailed(message, [{ field: 'body', message }]);
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** JSON is UTF-8 (RFC 8259): a body declared in another charset would be stored as bytes that mean something else. */
function refuseOtherCharsets(contentType: string | undefined): void {
  const charset = CHARSET.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return;
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset ${JSON.stringify(charset)}: send the JSON body in UTF-8`);
}

/**
 * Parses JSON bodies strictly: UTF-8 only, nesting bounded, no key twice in one object, and `__proto__`
 * or `constructor` keys kept as plain data (JSON.parse never assigns a
 * prototype). Any other content type is answered with 415 by Fastify.
 */
export function parseJsonBody(request: FastifyRequest, body: Buffer): unknown {
  // Clients that send `Content-Type: application/json` on every request send it on a DELETE too, with no body.
  if (body.length === 0 && request.method === 'DELETE') return undefined;
  refuseOtherCharsets(request.headers['content-type']);
  if (body.length === 0) throw bodyError('Request body is empty; expected a JSON object');
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw bodyError('Request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bodyError(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (jsonNestingDepth(text) > MAX_JSON_DEPTH) throw bodyError(`Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  // JSON.parse keeps the last of two equal keys, a device's parser may keep the first: refused, not stored as sent.
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== null) {
    const message = `Request body has the key ${JSON.stringify(duplicate.key)} twice in one object, at ${duplicate.pointer}: keep one`;
    throw new ValidationFailed(message, [{ field: 'body', message, pointer: duplicate.pointer }]);
  }
  request.rawJsonBody = text;
  return value;
}

/**
 * The other JSON media types (the `+json` suffix, as in `application/vnd.acme+json`), with or without parameters
 * (Fastify tests the media type with its parameters against it), except the JSON patch formats: a PUT replaces the
 * whole config, and a client sending a patch would lose every key it left out.
 */
const OTHER_JSON_TYPES = /^application\/(?!(?:merge-patch|json-patch)\+json\s*(?:;|$))[\w.+-]+\+json\s*(?:;.*)?$/i;

export default fp(
  async function requestBody(app: FastifyInstance) {
    app.removeAllContentTypeParsers();
    for (const contentType of ['application/json', OTHER_JSON_TYPES]) {
      app.addContentTypeParser(contentType, { parseAs: 'buffer' }, async (request: FastifyRequest, body: Buffer) => parseJsonBody(request, body));
    }
  },
  { name: 'request-body' },
);
