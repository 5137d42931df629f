import { createHash } from 'node:crypto';
import { constants, createReadStream, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AssetTooLarge, StorageUnavailable } from '../domain/errors.js';
import { fsyncDirectory, tempFileName } from './atomic-file.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode, storageFailure } from './fs-errors.js';
import { mapWithConcurrency } from './map-with-concurrency.js';

/** One asset as the list gives it. */
export interface AssetInfo {
  filename: string;
  size: number;
  /** When the file was last written (its mtime), ISO 8601 in UTC. */
  uploaded_at: string;
  /** Lowercase hex SHA-256 of the file. */
  sha256: string;
}

/** An upload written and fsynced under a temp name in the assets directory, not yet in place. */
export interface ReceivedAsset {
  size: number;
  sha256: string;
  /** Renames it over `filename` and makes that durable; resolves to the file as listed. */
  place(): Promise<AssetInfo>;
  /** Removes the temp file (the upload was refused). */
  discard(): Promise<void>;
}

export interface AssetFilesOptions {
  dir: string;
  /** False: the directory is made when first needed; true (ASSETS_DIR was set): a missing one is an error. */
  dirFromEnv: boolean;
  maxBytes: number;
  io: FsCalls;
  /** Told of each temp file of an interrupted upload that was removed. */
  onLeftoverRemoved?: (name: string) => void;
}

const HASHING_CONCURRENCY = 2;
/** A temp file this old is a crashed upload's: a live one ends within the request timeout. */
const LEFTOVER_AGE_MS = 60 * 60_000;
const TEMP_NAME = /^\..+\.tmp$/;

/**
 * Firmware and OTA files, flat in the assets directory (the old backend's layout; not under `.iot-config`). Uploads
 * are streamed to a hidden temp file beside their target, fsynced, then renamed into place, so a reader sees the old
 * file or the new one whole. The SHA-256 of each file is remembered by (size, mtime) so a listing hashes only files
 * that changed.
 */
export class AssetFiles {
  readonly dir: string;
  private readonly hashes = new Map<string, { size: number; mtimeNs: bigint; sha256: string }>();
  private leftoversRemoved: Promise<void> | null = null;

  constructor(private readonly options: AssetFilesOptions) {
    this.dir = options.dir;
  }

  /** Every asset, by name; dotfiles (temp files) and anything not a regular file are left out. */
  async list(): Promise<AssetInfo[]> {
    await this.removeLeftoversOnce();
    let names: string[];
    try {
      names = (await fs.readdir(this.dir)).filter((name) => !name.startsWith('.')).sort();
    } catch (error) {
      if (errorCode(error) === 'ENOENT' && !this.options.dirFromEnv) return [];
      throw this.failure(error, 'list the assets');
    }
    const found: AssetInfo[] = [];
    await mapWithConcurrency(names, HASHING_CONCURRENCY, async (name) => {
      const file = path.join(this.dir, name);
      const stat = await fs.lstat(file, { bigint: true }).catch(() => null);
      if (stat === null || !stat.isFile()) return; // gone meanwhile, or a directory or link
      const sha256 = await this.sha256Of(name, Number(stat.size), stat.mtimeNs).catch(() => null);
      if (sha256 !== null) found.push(info(name, Number(stat.size), stat.mtime, sha256));
    });
    return found.sort((a, b) => (a.filename < b.filename ? -1 : 1));
  }

  /**
   * Writes `source` to a new temp file, hashing it on the way; throws {@link AssetTooLarge} past the limit, and on
   * any failure removes the temp file. Chunks are awaited one at a time, so a slow disk slows the upload rather
   * than filling memory.
   */
  async receive(filename: string, source: AsyncIterable<Buffer>): Promise<ReceivedAsset> {
    await this.ensureDirectory();
    await this.removeLeftoversOnce();
    const tempPath = path.join(this.dir, tempFileName(filename));
    const hash = createHash('sha256');
    let size = 0;
    try {
      const handle = await fs.open(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      try {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > this.options.maxBytes) throw new AssetTooLarge(this.options.maxBytes);
          hash.update(chunk);
          await handle.write(chunk);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await fs.unlink(tempPath).catch(() => undefined);
      // The client's errors (an aborted or malformed form, a file too large) keep their own answer.
      if (!(error instanceof Error && 'syscall' in error)) throw error;
      throw this.failure(error, `write asset ${filename}`);
    }
    const sha256 = hash.digest('hex');
    return {
      size,
      sha256,
      place: async () => {
        try {
          await fs.rename(tempPath, path.join(this.dir, filename));
          await fsyncDirectory(this.dir, this.options.io);
          const stat = await fs.stat(path.join(this.dir, filename), { bigint: true });
          this.hashes.set(filename, { size, mtimeNs: stat.mtimeNs, sha256 });
          return info(filename, size, stat.mtime, sha256);
        } catch (error) {
          await fs.unlink(tempPath).catch(() => undefined);
          throw this.failure(error, `store asset ${filename}`);
        }
      },
      discard: () => fs.unlink(tempPath).catch(() => undefined),
    };
  }

  /** On first use rather than at start, so that a service that never touches assets never reads their directory. */
  private removeLeftoversOnce(): Promise<void> {
    this.leftoversRemoved ??= this.removeLeftovers().then((names) => names.forEach((name) => this.options.onLeftoverRemoved?.(name)));
    return this.leftoversRemoved;
  }

  /** Removes temp files left by uploads that a crash interrupted; returns their names. Never fails. */
  async removeLeftovers(now = Date.now()): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const removed: string[] = [];
    for (const name of names.filter((each) => TEMP_NAME.test(each))) {
      const file = path.join(this.dir, name);
      const stat = await fs.lstat(file).catch(() => null);
      if (stat === null || !stat.isFile() || now - stat.mtimeMs < LEFTOVER_AGE_MS) continue;
      if (await fs.rm(file, { force: true }).then(() => true, () => false)) removed.push(name);
    }
    return removed;
  }

  /** The file's SHA-256, from the cache while its size and mtime are those hashed. */
  private async sha256Of(name: string, size: number, mtimeNs: bigint): Promise<string> {
    const cached = this.hashes.get(name);
    if (cached !== undefined && cached.size === size && cached.mtimeNs === mtimeNs) return cached.sha256;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path.join(this.dir, name))) hash.update(chunk as Buffer);
    const sha256 = hash.digest('hex');
    this.hashes.set(name, { size, mtimeNs, sha256 });
    return sha256;
  }

  private async ensureDirectory(): Promise<void> {
    if (!this.options.dirFromEnv) {
      await fs.mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
        throw this.failure(error, 'create the assets directory');
      });
      return;
    }
    const stat: Stats | null = await fs.stat(this.dir).catch(() => null);
    if (stat === null || !stat.isDirectory()) throw new StorageUnavailable(`the assets directory ${this.dir} (ASSETS_DIR) does not exist or is not a directory`);
  }

  private failure(error: unknown, action: string) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return new StorageUnavailable(`the assets directory ${this.dir} is missing or not a directory`);
    return storageFailure(error, this.dir, action);
  }
}

function info(filename: string, size: number, mtime: Date, sha256: string): AssetInfo {
  return { filename, size, uploaded_at: mtime.toISOString(), sha256 };
}
