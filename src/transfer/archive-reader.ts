import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import yauzl from 'yauzl';
import { AppError, ArchiveRefused, ArchiveTooLarge } from '../domain/errors.js';

/** More entries than this and the archive is refused: no fleet needs it, and it bounds the work a hostile one causes. */
export const MAX_ARCHIVE_ENTRIES = 100_000;

/** One regular file of an archive: its path inside it, made safe, and its bytes. */
export interface ArchiveFile {
  path: string;
  bytes: Buffer;
}

export interface ArchiveLimits {
  /** Largest total of the unpacked bytes (MAX_IMPORT_BYTES). */
  maxTotalBytes: number;
  /** Largest single entry. */
  maxEntryBytes: number;
}

export type ArchiveFormat = 'tar.gz' | 'tar' | 'zip';

/** The archive's format, told by its first bytes (never by a name or content type, which a client may get wrong). */
export function archiveFormat(bytes: Buffer): ArchiveFormat {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'tar.gz';
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50) return 'zip';
  // An empty zip is only its end record.
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x06054b50) return 'zip';
  if (bytes.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  throw new ArchiveRefused('the body is not a .tar.gz, .tar or .zip archive');
}

/**
 * The entry's path made relative and canonical, or a refusal: an absolute path, a `..` segment, a drive letter,
 * a backslash or a NUL could name a place outside the archive for a tool that unpacks it, so the archive is refused.
 */
export function safeEntryPath(raw: string): string {
  if (raw.includes('\0') || raw.includes('\\')) throw new ArchiveRefused('an entry name holds a NUL or a backslash', raw);
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw)) throw new ArchiveRefused('an entry has an absolute path', raw);
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new ArchiveRefused('an entry name holds `..`', raw);
  return segments.join('/');
}

/** Collects regular files, refusing duplicates, too many entries and sizes over the limits. */
class EntryCollector {
  readonly files: ArchiveFile[] = [];
  private readonly seen = new Set<string>();
  private entries = 0;
  private total = 0;

  constructor(private readonly limits: ArchiveLimits) {}

  /** Counts an entry of any kind; throws past the entry limit. */
  count(name: string): void {
    this.entries += 1;
    if (this.entries > MAX_ARCHIVE_ENTRIES) throw new ArchiveRefused(`more than ${MAX_ARCHIVE_ENTRIES} entries`, name);
  }

  /** Checks a regular file's declared size and name before its bytes are read; returns its safe path. */
  admit(rawName: string, declaredSize: number): string {
    const name = safeEntryPath(rawName);
    if (declaredSize > this.limits.maxEntryBytes) throw new ArchiveTooLarge(`the entry ${JSON.stringify(name)}`, this.limits.maxEntryBytes, 'the size of a config file');
    if (this.seen.has(name)) throw new ArchiveRefused('two entries have the same name', name);
    this.seen.add(name);
    return name;
  }

  /** Counts unpacked bytes as they arrive, so a compression bomb is stopped once it passes the limit. */
  addBytes(length: number): void {
    this.total += length;
    if (this.total > this.limits.maxTotalBytes) throw new ArchiveTooLarge('the unpacked archive', this.limits.maxTotalBytes);
  }

  async readEntry(name: string, stream: AsyncIterable<Buffer>): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > this.limits.maxEntryBytes) throw new ArchiveTooLarge(`the entry ${JSON.stringify(name)}`, this.limits.maxEntryBytes, 'the size of a config file');
      chunks.push(chunk);
    }
    this.files.push({ path: name, bytes: Buffer.concat(chunks) });
  }
}

/** A pass-through that counts the bytes gunzip makes, failing the pipeline once they pass the limit. */
function countingStream(collector: EntryCollector): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        collector.addBytes(chunk.length);
        callback(null, chunk);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

const LINK_OR_SPECIAL: Record<string, string> = {
  symlink: 'a symbolic link',
  link: 'a hard link',
  'character-device': 'a device file',
  'block-device': 'a device file',
  fifo: 'a named pipe',
};

async function readTar(bytes: Buffer, gzipped: boolean, collector: EntryCollector): Promise<void> {
  const extract = tarStream.extract();
  const consume = async () => {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      collector.count(name);
      if (type === 'directory') {
        safeEntryPath(name);
        entry.resume();
        continue;
      }
      const kind = LINK_OR_SPECIAL[type ?? ''];
      if (kind !== undefined) throw new ArchiveRefused(`an entry is ${kind}`, name);
      if (type !== 'file' && type !== 'contiguous-file') throw new ArchiveRefused(`an entry is of the unsupported type ${String(type)}`, name);
      const safeName = collector.admit(name, size ?? 0);
      // Without a gzip layer the tar's own bytes are counted here.
      const counted: AsyncIterable<Buffer> = gzipped ? (entry as AsyncIterable<Buffer>) : (async function* () {
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          collector.addBytes(chunk.length);
          yield chunk;
        }
      })();
      await collector.readEntry(safeName, counted);
    }
  };
  const source = Readable.from([bytes]);
  const feed = gzipped ? pipeline(source, createGunzip(), countingStream(collector), extract) : pipeline(source, extract);
  await Promise.all([feed, consume()]).catch((error: unknown) => {
    extract.destroy();
    throw error;
  });
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

async function readZip(bytes: Buffer, collector: EntryCollector): Promise<void> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  try {
    if (zip.entryCount > MAX_ARCHIVE_ENTRIES) throw new ArchiveRefused(`more than ${MAX_ARCHIVE_ENTRIES} entries`);
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        zip.once('entry', resolve).once('end', () => resolve(null)).once('error', reject);
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (entry === null) return;
      const name = entry.fileName as unknown as string;
      collector.count(name);
      // Only archives made on Unix keep a file type in the upper 16 bits; zero means a plain file or folder.
      const unixType = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (name.endsWith('/') || unixType === S_IFDIR) {
        safeEntryPath(name);
        continue;
      }
      if (unixType === S_IFLNK) throw new ArchiveRefused('an entry is a symbolic link', name);
      if (unixType !== 0 && unixType !== S_IFREG) throw new ArchiveRefused('an entry is a device file or another special file', name);
      if (entry.isEncrypted()) throw new ArchiveRefused('an entry is encrypted', name);
      const safeName = collector.admit(name, entry.uncompressedSize);
      const stream = await zip.openReadStreamPromise(entry);
      await collector.readEntry(safeName, (async function* () {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          collector.addBytes(chunk.length);
          yield chunk;
        }
      })());
    }
  } finally {
    zip.close();
  }
}

/**
 * The regular files of a `.tar.gz`, `.tar` or `.zip` archive held in `bytes`. A hostile or broken archive is
 * refused whole (ArchiveRefused, ArchiveTooLarge), while it is read and before anything is written.
 */
export async function readArchive(bytes: Buffer, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  const format = archiveFormat(bytes);
  const collector = new EntryCollector(limits);
  try {
    if (format === 'zip') await readZip(bytes, collector);
    else await readTar(bytes, format === 'tar.gz', collector);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new ArchiveRefused(`the ${format} archive cannot be read: ${(error as Error).message}`);
  }
  return collector.files;
}
