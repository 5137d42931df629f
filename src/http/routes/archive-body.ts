import type { IncomingMessage } from 'node:http';
import { ArchiveTooLarge } from '../../domain/errors.js';

/** The media types an import is sent as; the format itself is told by the body's first bytes. */
export const ARCHIVE_CONTENT_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar', 'application/zip', 'application/octet-stream'];

/**
 * The import body as one buffer, refused with 413 as soon as it passes MAX_IMPORT_BYTES: the archive is read
 * whole before anything is planned, and a zip can only be read from its end.
 */
export function readArchiveBody(payload: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(payload.headers['content-length']);
    if (declared > limit) {
      reject(new ArchiveTooLarge('the upload', limit));
      return;
    }
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        payload.removeAllListeners('data');
        payload.resume();
        reject(new ArchiveTooLarge('the upload', limit));
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => resolve(Buffer.concat(chunks)));
    payload.on('error', reject);
  });
}
