import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { UploadRefused } from './errors.js';

/**
 * The checks of a signed asset upload, free of HTTP and files: the old backend's scheme (an RSA PKCS#1 v1.5
 * SHA-256 signature of the ISO 8601 timestamp) and its stronger form, which also covers the file's name and hash.
 * See docs/assets.md.
 */

/** The public key that checks upload signatures, from a PEM RSA private key (its public half) or public key. */
export function uploadVerificationKey(pem: string): KeyObject {
  // createPublicKey derives the public half of a private key; an encrypted private key throws here.
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`an RSA key is required, got ${key.asymmetricKeyType ?? 'an unknown key type'}`);
  return key;
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * The instant an ISO 8601 timestamp names, in milliseconds, or null. A timestamp without a zone is UTC, as the
 * old backend read it (JavaScript's Date.parse would take it as local time).
 */
export function parseUploadTimestamp(text: string): number | null {
  const match = ISO_8601.exec(text.trim());
  if (match === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const fields = new Date(utc);
  // Date.UTC rolls 2026-02-30 over to March: such a date is refused, not moved.
  if (fields.getUTCDate() !== Number(d) || fields.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  if (zone.toUpperCase() === 'Z') return utc;
  const offset = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
  return utc - (offset[1] === '-' ? -1 : 1) * minutes * 60_000;
}

/** The bytes a signature covers: the timestamp alone (the old scheme), or timestamp, file name and SHA-256 on lines of their own. */
export function signedText(timestamp: string, file?: { filename: string; sha256: string }): Buffer {
  return Buffer.from(file === undefined ? timestamp : `${timestamp}\n${file.filename}\n${file.sha256}`, 'utf8');
}

/** The bytes of a base64 signature (line breaks, as `openssl base64` writes them, are ignored), or null when it is not base64. */
export function decodeSignature(text: string): Buffer | null {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return null;
  return Buffer.from(compact, 'base64');
}

/** True when `signature` is the key's RSA PKCS#1 v1.5 SHA-256 signature of `data`. */
export function signatureMatches(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify('sha256', data, key, signature);
  } catch {
    return false; // a signature of the wrong length for the key
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The lowercase hex SHA-256 given in `file_sha256`, or null when it is not 64 hex digits. */
export function parseSha256(text: string): string | null {
  const value = text.trim().toLowerCase();
  return SHA256_HEX.test(value) ? value : null;
}

const MAX_ASSET_NAME_BYTES = 128;

/**
 * Why an asset file name is refused, or null when it is fine. The old backend refused `..`, `/` and `\`; a leading
 * dot (names of temp files), control characters and names over 128 bytes are refused too.
 */
export function assetNameProblem(name: string): string | null {
  if (name.trim() === '') return 'filename must not be empty';
  if (name.includes('..')) return 'filename must not contain ".." (path traversal)';
  if (name.includes('/') || name.includes('\\')) return 'filename must not contain a directory separator (/ or \\)';
  if (name.startsWith('.')) return 'filename must not start with a dot';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'filename must not contain control characters';
  // The temp file beside it adds the host, pid and a counter to the name, within the filesystem's 255 bytes.
  if (Buffer.byteLength(name) > MAX_ASSET_NAME_BYTES) return `filename must be at most ${MAX_ASSET_NAME_BYTES} bytes long`;
  return null;
}

/** The form fields of an upload other than the file, as sent. */
export interface UploadFields {
  timestamp?: string;
  signature?: string;
  file_sha256?: string;
}

export interface UploadPolicy {
  key: KeyObject;
  toleranceSeconds: number;
  requireFileSignature: boolean;
  now: number;
}

/** A verified upload: the signature (to be claimed once) and, in the stronger form, the hash the file must have. */
export interface VerifiedUpload {
  signature: Buffer;
  sha256: string | null;
}

/**
 * Checks everything an upload says about itself, before or after its file arrives: the file name, the timestamp's
 * window, and the signature over the timestamp (or, with `file_sha256`, over timestamp, name and hash). Throws
 * {@link UploadRefused} naming the first field at fault.
 */
export function verifyUpload(fields: UploadFields, filename: string, policy: UploadPolicy): VerifiedUpload {
  const nameProblem = assetNameProblem(filename);
  if (nameProblem !== null) throw new UploadRefused('filename', 'file', `Invalid filename: ${nameProblem}`);
  if (fields.timestamp === undefined) throw new UploadRefused('timestamp', 'timestamp', "Missing required field 'timestamp'");
  if (fields.signature === undefined) throw new UploadRefused('signature', 'signature', "Missing required field 'signature'");
  const at = parseUploadTimestamp(fields.timestamp);
  if (at === null) throw new UploadRefused('timestamp', 'timestamp', `Invalid timestamp: expected ISO 8601 such as 2026-01-09T14:30:00Z, got ${JSON.stringify(fields.timestamp.slice(0, 64))}`);
  const driftSeconds = Math.abs(policy.now - at) / 1000;
  if (driftSeconds > policy.toleranceSeconds) {
    throw new UploadRefused('timestamp', 'timestamp', `Invalid timestamp: must be within ±${policy.toleranceSeconds} seconds of server time ${new Date(policy.now).toISOString()}, is ${driftSeconds.toFixed(1)} s off`);
  }
  let sha256: string | null = null;
  if (fields.file_sha256 !== undefined) {
    sha256 = parseSha256(fields.file_sha256);
    if (sha256 === null) throw new UploadRefused('file_sha256', 'file_sha256', 'Invalid file_sha256: expected the SHA-256 of the file as 64 hex digits');
  } else if (policy.requireFileSignature) {
    throw new UploadRefused('file_sha256', 'file_sha256', "Missing required field 'file_sha256': this server requires signatures that cover the file (ASSET_REQUIRE_FILE_SIGNATURE)");
  }
  const signature = decodeSignature(fields.signature);
  if (signature === null) throw new UploadRefused('signature', 'signature', 'Invalid signature format: expected base64');
  const data = signedText(fields.timestamp, sha256 === null ? undefined : { filename, sha256 });
  if (!signatureMatches(policy.key, data, signature)) {
    const covered = sha256 === null ? 'the timestamp' : 'timestamp + "\\n" + filename + "\\n" + file_sha256';
    throw new UploadRefused('signature', 'signature', `Invalid signature: cryptographic verification of ${covered} failed`);
  }
  return { signature, sha256 };
}
