import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { errorCode } from './fs-errors.js';

/** Synchronous calls slower than this, a few in a row, mean storage that can stall. */
const SLOW_CALL_MS = 2;
const SLOW_CALLS_IN_A_ROW = 3;
/** How long everything then goes through the thread pool. */
const THREAD_POOL_FOR_MS = 30_000;

/** statfs(2) types of local filesystems (ext2/3/4, XFS, Btrfs, tmpfs, ZFS, F2FS, overlayfs). */
const LOCAL_FILESYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x2fc12fc1, 0xf2f52010, 0x794c7630]);

/** Calls a callback-style `node:fs` function through libuv's thread pool. */
function viaThreadPool<T>(call: (done: (error: NodeJS.ErrnoException | null, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/**
 * The store's filesystem calls, made synchronously on the event loop when
 * storage answers fast, and through libuv's thread pool otherwise.
 *
 * Why: each trip through the thread pool costs two thread wake-ups and, under
 * load, a turn of the busy event loop before the next step can start, and a
 * durable write is a dozen such trips. The measurements behind each rule are
 * in docs/adr/0004-sync-file-calls.md.
 *
 * What goes through the thread pool:
 * - fsync, always: it waits for the disk.
 * - Every change to the directory, unless it is on a local filesystem (see
 *   {@link detectFilesystem}): on CephFS or NFS each is a round trip to a
 *   server, which must never hold up the event loop.
 * - Creating a file and renaming over one, always: they allocate and free
 *   inodes, which can cost the kernel far more than the call itself. In the
 *   pool that work runs beside the event loop.
 * - Other changes to the directory while one of our fsyncs is in flight: an
 *   fsync can hold the directory's lock until the disk answers. Calls that
 *   change no directory (writing, stat-ing and closing our own temp file,
 *   stat-ing a lock token or setting its times, reading) stay on the event
 *   loop then.
 * - Everything, for THREAD_POOL_FOR_MS after a few slow calls in a row:
 *   storage that can stall (a network filesystem) must never stall the event
 *   loop for long.
 *
 * Reads of configs (lstat, and opening, reading and closing a file only
 * read) are synchronous whenever {@link syncReads}, on any filesystem.
 */
export class FsCalls {
  private threadPoolUntil = 0;
  private slowInARow = 0;
  private fsyncsInFlight = 0;
  private localFilesystem = false;

  /** `onSlowStorage` is told when calls move to the thread pool because storage was slow. */
  constructor(private readonly onSlowStorage: () => void = () => undefined) {}

  /** Allows synchronous directory changes if `dir` is on a local filesystem; until then, and otherwise, they use the thread pool. */
  async detectFilesystem(dir: string): Promise<void> {
    const { type } = await fs.statfs(dir).catch(() => ({ type: -1 }));
    this.localFilesystem = LOCAL_FILESYSTEMS.has(Number(type));
  }

  /** Whether reads may be made synchronously now (see {@link timed}). */
  get syncReads(): boolean {
    return performance.now() >= this.threadPoolUntil;
  }

  /** Runs a block of synchronous calls, counting it as slow when it was. */
  timed<T>(block: () => T): T {
    const started = performance.now();
    try {
      return block();
    } finally {
      const finished = performance.now();
      // Consecutive slow calls only: a single one may just be this process losing the CPU.
      this.slowInARow = finished - started > SLOW_CALL_MS ? this.slowInARow + 1 : 0;
      if (this.slowInARow >= SLOW_CALLS_IN_A_ROW) {
        this.threadPoolUntil = finished + THREAD_POOL_FOR_MS;
        this.slowInARow = 0;
        this.onSlowStorage();
      }
    }
  }

  /**
   * Whether calls that change no directory may be made synchronously now:
   * reading, and writing, stat-ing, closing or setting the times of a file
   * of our own (a temp file or a lock token). They do not wait on a
   * directory an fsync is writing out, so they stay on the event loop while
   * one is in flight, which under concurrent writes is nearly always.
   */
  private get syncFileCalls(): boolean {
    return this.localFilesystem && this.syncReads;
  }

  /** Whether calls that change the directory may be made synchronously now: as file calls, and none of our fsyncs in flight. */
  private get syncWrites(): boolean {
    return this.syncFileCalls && this.fsyncsInFlight === 0;
  }

  /** A call that changes the directory. */
  private async call<T>(sync: () => T, pooled: () => Promise<T>): Promise<T> {
    return this.syncWrites ? this.timed(sync) : pooled();
  }

  /** A call that changes no directory (see {@link syncFileCalls}). */
  private async fileCall<T>(sync: () => T, pooled: () => Promise<T>): Promise<T> {
    return this.syncFileCalls ? this.timed(sync) : pooled();
  }

  /** A call that only reads: synchronous whenever reads may be, on any filesystem (see {@link syncReads}). */
  private async readCall<T>(sync: () => T, pooled: () => Promise<T>): Promise<T> {
    return this.syncReads ? this.timed(sync) : pooled();
  }

  /** The stat of `path` (of a symlink itself, never of its target), or undefined when there is none. */
  lstat(path: string): Promise<fsSync.BigIntStats | undefined> {
    return this.readCall(
      () => fsSync.lstatSync(path, { bigint: true, throwIfNoEntry: false }),
      () =>
        viaThreadPool<fsSync.BigIntStats | undefined>((done) => fsSync.lstat(path, { bigint: true }, done)).catch((error: unknown) => {
          if (errorCode(error) === 'ENOENT') return undefined;
          throw error;
        }),
    );
  }

  /**
   * Reads the file at `path` whole, with the stat of the file opened, so
   * that both belong to the same version of it. A symlink is refused
   * (ELOOP). `bytes` is null when the file is over `maxBytes`: it is then
   * not read.
   */
  async readFile(path: string, maxBytes: number): Promise<{ stat: fsSync.BigIntStats; bytes: Buffer | null }> {
    const flags = fsSync.constants.O_RDONLY | fsSync.constants.O_NOFOLLOW;
    const fd = await this.readCall(
      () => fsSync.openSync(path, flags),
      () => viaThreadPool<number>((done) => fsSync.open(path, flags, done)),
    );
    try {
      const stat = await this.readCall(
        () => fsSync.fstatSync(fd, { bigint: true }),
        () => viaThreadPool<fsSync.BigIntStats>((done) => fsSync.fstat(fd, { bigint: true }, done)),
      );
      if (stat.size > maxBytes) return { stat, bytes: null };
      const bytes = await this.readCall(
        () => fsSync.readFileSync(fd),
        () => viaThreadPool<Buffer>((done) => fsSync.readFile(fd, done)),
      );
      return { stat, bytes };
    } finally {
      await this.readCall(
        () => fsSync.closeSync(fd),
        () => viaThreadPool<void>((done) => fsSync.close(fd, done)),
      );
    }
  }

  open(path: string, flags: number, mode?: number): Promise<number> {
    const pooled = () => viaThreadPool<number>((done) => fsSync.open(path, flags, mode, done));
    return flags & fsSync.constants.O_CREAT ? pooled() : this.fileCall(() => fsSync.openSync(path, flags, mode), pooled);
  }

  /** Writes all of `bytes` at the file's current position. */
  async writeAll(fd: number, bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const rest = bytes.subarray(written);
      written += await this.fileCall(
        () => fsSync.writeSync(fd, rest),
        () => viaThreadPool<number>((done) => fsSync.write(fd, rest, done)),
      );
    }
  }

  close(fd: number): Promise<void> {
    return this.fileCall(
      () => fsSync.closeSync(fd),
      () => viaThreadPool<void>((done) => fsSync.close(fd, done)),
    );
  }

  /** Always through the thread pool: replacing a file frees its inode. */
  rename(from: string, to: string): Promise<void> {
    return viaThreadPool<void>((done) => fsSync.rename(from, to, done));
  }

  link(existing: string, newPath: string): Promise<void> {
    return this.call(
      () => fsSync.linkSync(existing, newPath),
      () => viaThreadPool<void>((done) => fsSync.link(existing, newPath, done)),
    );
  }

  /** How many names a file has (it is not followed if a symlink). */
  linkCount(path: string): Promise<number> {
    return this.fileCall(
      () => fsSync.lstatSync(path).nlink,
      () => viaThreadPool<fsSync.Stats>((done) => fsSync.lstat(path, done)).then((stat) => stat.nlink),
    );
  }

  /** Whether two paths are names of one file (neither followed if a symlink); false when either is missing. */
  sameFile(a: string, b: string): Promise<boolean> {
    const same = (x: fsSync.BigIntStats | undefined, y: fsSync.BigIntStats | undefined) => x !== undefined && y !== undefined && x.ino === y.ino && x.dev === y.dev;
    const lstatPooled = (target: string) => viaThreadPool<fsSync.BigIntStats>((done) => fsSync.lstat(target, { bigint: true }, done)).catch(() => undefined);
    return this.fileCall(
      () => same(fsSync.lstatSync(a, { bigint: true, throwIfNoEntry: false }), fsSync.lstatSync(b, { bigint: true, throwIfNoEntry: false })),
      async () => same(...(await Promise.all([lstatPooled(a), lstatPooled(b)]))),
    );
  }

  fstat(fd: number): Promise<fsSync.BigIntStats> {
    return this.fileCall(
      () => fsSync.fstatSync(fd, { bigint: true }),
      () => viaThreadPool<fsSync.BigIntStats>((done) => fsSync.fstat(fd, { bigint: true }, done)),
    );
  }

  /** Sets the times of a file (never of a symlink's target); it changes that file's inode, not the directory. */
  lutimes(path: string, atime: Date, mtime: Date): Promise<void> {
    return this.fileCall(
      () => fsSync.lutimesSync(path, atime, mtime),
      () => viaThreadPool<void>((done) => fsSync.lutimes(path, atime, mtime, done)),
    );
  }

  /** Removes a file; with `missingOk`, one that is already gone is no error. */
  async unlink(path: string, { missingOk = false } = {}): Promise<void> {
    try {
      await this.call(
        () => fsSync.unlinkSync(path),
        () => viaThreadPool<void>((done) => fsSync.unlink(path, done)),
      );
    } catch (error) {
      if (!missingOk || errorCode(error) !== 'ENOENT') throw error;
    }
  }

  /** Always through the thread pool: it waits on the disk. */
  async fsync(fd: number): Promise<void> {
    this.fsyncsInFlight++;
    try {
      await viaThreadPool<void>((done) => fsSync.fsync(fd, done));
    } finally {
      this.fsyncsInFlight--;
    }
  }
}
