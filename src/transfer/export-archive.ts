import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { inspectConfig } from '../domain/config-document.js';
import { StorageUnavailable } from '../domain/errors.js';
import { CANONICAL_MAC_PATTERN, configFileName, macFromFileName } from '../domain/mac.js';
import { errorCode, storageFailure } from '../storage/fs-errors.js';
import { statePaths } from '../storage/state-directory.js';
import { CONFIGS_FOLDER, EXPORT_FORMAT, MANIFEST_NAME, type Manifest, type ManifestEntry } from './archive-layout.js';

export interface ExportOptions {
  dir: string;
  /** Larger config files are listed in the manifest's `skipped`, not read. */
  maxFileBytes: number;
  serviceVersion: string;
  /** Extra sections asked for with `?include=`. */
  include: readonly ExportSection[];
  /** Only these canonical MACs (and only their history); every config when absent. */
  macs?: readonly string[];
  now?: Date;
}

/** An export being streamed, and the selected MACs that have no config file (they are left out). */
export interface Export {
  stream: Readable;
  missing: string[];
}

/** A file of an extra section, as its path in the archive and its bytes. */
interface SectionFile {
  name: string;
  bytes: Buffer;
}

/** Extra sections of an export, by the name `?include=` gives: the version history and the JSON Schemas. */
export const EXPORT_SECTIONS = {
  history: historyFiles,
  schemas: schemaFiles,
} satisfies Record<string, (dir: string, macs: ReadonlySet<string> | null) => AsyncIterable<SectionFile>>;

export type ExportSection = keyof typeof EXPORT_SECTIONS;

/** The file name of an export made at `now`: `iot-configs-20260131T120000Z.tar.gz`. */
export function exportFileName(now: Date): string {
  return `iot-configs-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`;
}

/**
 * The bytes of a regular file, read whole from one open file, so that a config replaced meanwhile (always by
 * rename, see docs/adr/0002-atomic-write.md) is read old or new, never torn. Null when it is no regular file.
 */
async function readWhole(filePath: string, maxBytes: number): Promise<{ bytes: Buffer } | { problem: string } | null> {
  let handle;
  try {
    handle = await fs.open(filePath, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    if (errorCode(error) === 'ELOOP') return { problem: 'a symbolic link, never followed' };
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { problem: 'not a regular file' };
    if (stat.size > maxBytes) return { problem: `${stat.size} bytes, over the limit of ${maxBytes} bytes for a config file` };
    return { bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/** The version files, `.iot-config/history/<mac>/<file>`, of the MACs selected (all when null). */
async function* historyFiles(dir: string, selected: ReadonlySet<string> | null): AsyncGenerator<SectionFile> {
  const root = path.join(statePaths(dir).root, 'history');
  const macs = (await fs.readdir(root).catch(() => [])).filter((name) => CANONICAL_MAC_PATTERN.test(name) && (selected?.has(name) ?? true)).sort();
  for (const mac of macs) {
    const names = (await fs.readdir(path.join(root, mac)).catch(() => [])).sort();
    for (const name of names) {
      // Temp files of a version being written start with a dot; a version file never changes once named.
      if (name.startsWith('.')) continue;
      const read = await readWhole(path.join(root, mac, name), Number.MAX_SAFE_INTEGER);
      if (read !== null && 'bytes' in read) yield { name: `history/${mac}/${name}`, bytes: read.bytes };
    }
  }
}

/** The JSON Schemas, `.iot-config/schemas/<name>.json`, as `schemas/<name>.json`. */
async function* schemaFiles(dir: string): AsyncGenerator<SectionFile> {
  const folder = path.join(statePaths(dir).root, 'schemas');
  const names = (await fs.readdir(folder).catch(() => [])).filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  for (const name of names) {
    const read = await readWhole(path.join(folder, name), Number.MAX_SAFE_INTEGER);
    if (read !== null && 'bytes' in read) yield { name: `schemas/${name}`, bytes: read.bytes };
  }
}

/** Adds one file to the tar, resolving once the pack has taken it: the pack's backpressure paces the reads. */
function addEntry(pack: tarStream.Pack, name: string, bytes: Buffer, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry({ name, size: bytes.length, mode: 0o644, mtime, type: 'file' }, (error) => (error ? reject(error) : resolve()));
    entry.end(bytes);
  });
}

async function writeEntries(pack: tarStream.Pack, macs: string[], missing: string[], options: ExportOptions, now: Date): Promise<void> {
  const configs: ManifestEntry[] = [];
  const skipped: Manifest['skipped'] = missing.map((mac) => ({ file: configFileName(mac), reason: 'no such config' }));
  const selected = options.macs === undefined ? null : new Set(options.macs);
  for (const mac of macs) {
    const read = await readWhole(path.join(options.dir, configFileName(mac)), options.maxFileBytes);
    if (read === null) continue;
    if ('problem' in read) {
      skipped.push({ file: configFileName(mac), reason: read.problem });
      continue;
    }
    // The manifest is made from the very bytes put in the archive.
    const stored = inspectConfig(mac, read.bytes);
    const sha256 = createHash('sha256').update(read.bytes).digest('hex');
    configs.push({ mac_address: mac, etag: stored.etag, size: read.bytes.length, sha256, valid: stored.problem === null, ...(stored.problem === null ? {} : { problem: stored.problem }) });
    await addEntry(pack, `${CONFIGS_FOLDER}/${configFileName(mac)}`, read.bytes, now);
  }
  for (const section of options.include) {
    for await (const file of EXPORT_SECTIONS[section](options.dir, selected)) await addEntry(pack, file.name, file.bytes, now);
  }
  const manifest: Manifest = { format: EXPORT_FORMAT, exported_at: now.toISOString(), service_version: options.serviceVersion, count: configs.length, configs, skipped };
  await addEntry(pack, MANIFEST_NAME, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), now);
  pack.finalize();
}

/**
 * Streams every `<mac>.json` of the directory (or of the selection) as `configs/<mac>.json` with its exact bytes,
 * the sections asked for, and `manifest.json` last, as a gzipped tar. The listing is read before the stream
 * starts, so an unusable directory is a storage error and not a broken download; a failure later cuts it short.
 */
export async function createExport(options: ExportOptions): Promise<Export> {
  let names: string[];
  try {
    names = await fs.readdir(options.dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') throw new StorageUnavailable(`${options.dir} is missing or not a directory`);
    throw storageFailure(error, options.dir, 'list the config directory');
  }
  const listed = names.map(macFromFileName).filter((mac): mac is string => mac !== null);
  const present = new Set(listed);
  const macs = (options.macs === undefined ? listed : options.macs.filter((mac) => present.has(mac))).sort();
  const missing = (options.macs ?? []).filter((mac) => !present.has(mac)).sort();
  const now = options.now ?? new Date();
  const pack = tarStream.pack();
  const gzip = createGzip();
  pipeline(pack, gzip, () => undefined);
  writeEntries(pack, macs, missing, options, now).catch((error: unknown) => pack.destroy(error as Error));
  return { stream: gzip, missing };
}
