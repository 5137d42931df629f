import fsSync from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Synchronous calls slower than this, a few in a row, mean storage that can stall. */
const SLOW_CALL_MS = 2;
const SLOW_CALLS_IN_A_ROW = 3;
/** How long everything then goes through the thread pool. */
const THREAD_POOL_FOR_MS = 30_000;

/** Calls a callback-style `node:fs` function through libuv's thread pool. */
function viaThreadPool<T>(call: (done: (error: NodeJS.ErrnoException | null, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/**
 * The store's filesystem calls, made synchronously on the event loop while
 * storage answers in microseconds, and through libuv's thread pool otherwise.
 *
 * Why: each trip through the thread pool costs two thread wake-ups (~13 µs of
 * CPU on a local disk, more on a VM) and, worse under load, one turn of a busy
 * event loop before the next step may start. A durable write made of a dozen
 * such steps took 7–12 ms while reads kept the loop busy, holding its client
 * that long; with only its two fsyncs in the pool it takes about 1 ms.
 *
 * When synchronous calls are not used:
 * - fsync, always: it waits on the disk.
 * - Calls that change the directory, while one of our fsyncs is in flight:
 *   on ext4 they wait for the journal commit that fsync forces.
 * - Everything, for 30 s after a few slow calls in a row: storage that can
 *   stall (a network filesystem) must never stall the event loop for long.
 */
export class FsCalls {
  private threadPoolUntil = 0;
  private slowInARow = 0;
  private fsyncsInFlight = 0;

  /** `onSlowStorage` is told when calls move to the thread pool because storage was slow. */
  constructor(private readonly onSlowStorage: () => void = () => undefined) {}

  /** Whether reads may be made synchronously now (see {@link timed}). */
  get syncReads(): boolean {
    return performance.now() >= this.threadPoolUntil;
  }

  private get syncWrites(): boolean {
    return this.fsyncsInFlight === 0 && this.syncReads;
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

  private async call<T>(sync: () => T, pooled: () => Promise<T>): Promise<T> {
    return this.syncWrites ? this.timed(sync) : pooled();
  }

  open(path: string, flags: number, mode?: number): Promise<number> {
    return this.call(
      () => fsSync.openSync(path, flags, mode),
      () => viaThreadPool<number>((done) => fsSync.open(path, flags, mode, done)),
    );
  }

  /** Writes all of `bytes` at the file's current position. */
  async writeAll(fd: number, bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const rest = bytes.subarray(written);
      written += await this.call(
        () => fsSync.writeSync(fd, rest),
        () => viaThreadPool<number>((done) => fsSync.write(fd, rest, done)),
      );
    }
  }

  close(fd: number): Promise<void> {
    return this.call(
      () => fsSync.closeSync(fd),
      () => viaThreadPool<void>((done) => fsSync.close(fd, done)),
    );
  }

  rename(from: string, to: string): Promise<void> {
    return this.call(
      () => fsSync.renameSync(from, to),
      () => viaThreadPool<void>((done) => fsSync.rename(from, to, done)),
    );
  }

  link(existing: string, newPath: string): Promise<void> {
    return this.call(
      () => fsSync.linkSync(existing, newPath),
      () => viaThreadPool<void>((done) => fsSync.link(existing, newPath, done)),
    );
  }

  /** Removes a file; one that is already gone is no error. */
  async unlink(path: string): Promise<void> {
    try {
      await this.call(
        () => fsSync.unlinkSync(path),
        () => viaThreadPool<void>((done) => fsSync.unlink(path, done)),
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
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
