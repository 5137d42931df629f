/**
 * Buffers for bytes kept as long as a config is cached. Node hands out a
 * buffer under 4 KiB as a slice of a shared 8 KiB slab, and the slab stays
 * in memory as long as any slice of it does: a config's bytes, kept for
 * hours, would keep the short-lived buffers around them alive too, and a
 * slab of configs read at start-up lives until every one of them is saved
 * over. These buffers each have memory of their own, of their exact size
 * (see docs/adr/0005-kept-bytes.md).
 */

const encoder = new TextEncoder();

/** `text` as UTF-8, in a buffer of its own. */
export function keptText(text: string): Buffer {
  const bytes = encoder.encode(text);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `bytes` themselves if they have memory of their own, else a copy that has. */
export function keptBytes(bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}
