import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { inspectConfig, unreadConfig, type StoredConfig } from '../domain/config-document.js';
import { InvalidStoredConfig } from '../domain/errors.js';
import { configFileName } from '../domain/mac.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';
import { keptBytes } from './kept-bytes.js';

/** What is known of one `<mac>.json` as last read, with the stat it was read at ('' when not known to be what is on disk). */
export interface FileState extends StoredConfig {
  statKey: string;
}

/** Identity of a file version: a new inode on every atomic write, and size/mtime/ctime for in-place edits by hand. */
function statKey(stat: BigIntStats): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

export function unusableFile(statKeyValue: string, problem: string): FileState {
  return { statKey: statKeyValue, ...unreadConfig(problem) };
}

const SYMBOLIC_LINK = 'the file is a symbolic link, which is never followed; replace it with a regular file';
const NOT_A_REGULAR_FILE = 'the path is not a regular file (a directory or a device); remove it by hand';
export const UNREADABLE_FILE = 'the file cannot be read (permission denied); give the service read access, or save a new config over it';

/**
 * A `<mac>.json` that is a directory (a mistaken mkdir, a bad restore) can be
 * neither replaced by rename(2) nor unlinked: say so, rather than fail with an
 * opaque storage error. The directory is left as it is for a person to look at.
 */
export function assertReplaceable(mac: string, current: FileState | null): void {
  if (current?.problem === NOT_A_REGULAR_FILE) throw new InvalidStoredConfig(mac, NOT_A_REGULAR_FILE, '', null, 409);
}

export interface ConfigFilesOptions {
  dir: string;
  /** Largest file read: a bigger one is reported as unusable without being read. */
  maxFileBytes: number;
  io: FsCalls;
  /** Refuses while the volume once mounted at the directory is gone (see DirectoryHealth). */
  assertVolumeMounted: () => Promise<void>;
}

/**
 * Reads the `<mac>.json` files of one directory, and keeps what each held
 * for as long as its stat is unchanged, so that an unchanged file costs one
 * lstat. Every call goes through FsCalls, which makes it on the event loop
 * while storage answers fast (see docs/adr/0004-sync-file-calls.md).
 */
export class ConfigFiles {
  private readonly cache = new Map<string, FileState>();

  constructor(private readonly options: ConfigFilesOptions) {}

  pathOf(mac: string): string {
    return path.join(this.options.dir, configFileName(mac));
  }

  /** The state of `<mac>.json` now, or null when there is none. Symlinks are never followed. */
  async load(mac: string): Promise<FileState | null> {
    const { io, maxFileBytes } = this.options;
    const filePath = this.pathOf(mac);
    const stat = await io.lstat(filePath);
    if (stat === undefined) return null;
    if (stat.isSymbolicLink()) return unusableFile(statKey(stat), SYMBOLIC_LINK);
    if (!stat.isFile()) return unusableFile(statKey(stat), NOT_A_REGULAR_FILE);
    const cached = this.cache.get(mac);
    if (cached?.statKey === statKey(stat)) return cached;
    // Unmounted, the directory may hold older files of its own: they are never served.
    await this.options.assertVolumeMounted();

    let read;
    try {
      read = await io.readFile(filePath, maxFileBytes);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      if (errorCode(error) === 'ELOOP') return unusableFile('', SYMBOLIC_LINK);
      // The file's own fault, not the directory's: reported as the file's problem, and a save can still replace it.
      if (errorCode(error) === 'EACCES' || errorCode(error) === 'EPERM') return unusableFile(statKey(stat), UNREADABLE_FILE);
      throw error;
    }
    // Key and bytes both come from the open file, so they always belong together; a file that grew past the limit since its stat is not kept.
    const { stat: opened, bytes } = read;
    const size = bytes?.length ?? opened.size;
    const state =
      bytes === null || size > maxFileBytes
        ? unusableFile(statKey(opened), `the file is ${size} bytes, over the limit of ${maxFileBytes} bytes for a config file, so it is not read`)
        : // A small file read may be a slice of Node's shared pool (see kept-bytes.ts).
          { statKey: statKey(opened), ...inspectConfig(mac, keptBytes(bytes)) };
    this.cache.set(mac, state);
    return state;
  }

  /**
   * The state of a file this process just wrote, keyed by its stat if the
   * file is still exactly the one written: same inode, size and mtime (only
   * the ctime may differ, which the rename set), so that an edit by hand in
   * the meantime is never taken for our bytes. Reads and the next scan then
   * reuse it instead of reading, hashing and listing it again.
   */
  async keyedByStat(mac: string, written: FileState, writtenStat: BigIntStats): Promise<FileState> {
    // Only where it is cheap: a save on slow storage does not wait on one more call.
    if (!this.options.io.syncReads) return written;
    const stat = await this.options.io.lstat(this.pathOf(mac)).catch(() => undefined);
    if (stat === undefined || !stat.isFile()) return written;
    const unchanged = stat.ino === writtenStat.ino && stat.size === writtenStat.size && stat.mtimeNs === writtenStat.mtimeNs;
    return unchanged ? { ...written, statKey: statKey(stat) } : written;
  }

  /** Notes what this process wrote (null: removed). A state without a stat key (not known to be what is on disk) is never served. */
  remember(mac: string, state: FileState | null): void {
    if (state !== null && state.statKey !== '') this.cache.set(mac, state);
    else this.cache.delete(mac);
  }

  /** Forgets every file but those of `macs`. */
  keepOnly(macs: ReadonlyMap<string, unknown>): void {
    for (const mac of this.cache.keys()) if (!macs.has(mac)) this.cache.delete(mac);
  }
}
