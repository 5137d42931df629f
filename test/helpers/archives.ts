import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { FastifyInstance } from 'fastify';

/** One entry of a tar made for a test: any header tar-stream can write, hostile ones included. */
export type TarEntry = Partial<tarStream.Header> & { name: string; body?: Buffer | string };

/** A tar (gzipped unless `gzip` is false) of `entries`, written by tar-stream as any tool would. */
export async function makeTar(entries: TarEntry[], gzip = true): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { body, ...header } of entries) {
    const bytes = body === undefined ? undefined : Buffer.from(body);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ type: 'file', mode: 0o644, ...header, ...(bytes ? { size: bytes.length } : {}) }, (error) => (error ? reject(error) : resolve()));
      entry.end(bytes);
    });
  }
  pack.finalize();
  await collected;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}

/** The files of a .tar.gz, by their path in it. */
export async function listTarGz(bytes: Buffer): Promise<Map<string, Buffer>> {
  const extract = tarStream.extract();
  const files = new Map<string, Buffer>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(gunzipSync(bytes));
  await done;
  return files;
}

/** Every file and folder under `dir`, with the bytes of each file: what a test compares before and after. */
export async function snapshotTree(dir: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    tree.set(rel, entry.isFile() ? (await fs.readFile(full)).toString('base64') : entry.isDirectory() ? 'dir' : 'other');
  }
  return tree;
}

/** POST /api/import with an archive body. */
export function postImport(app: FastifyInstance, body: Buffer, query = '', contentType = 'application/gzip') {
  return app.inject({ method: 'POST', url: `/api/import${query ? `?${query}` : ''}`, headers: { 'content-type': contentType }, payload: body });
}
