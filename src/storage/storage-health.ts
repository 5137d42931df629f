import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { StorageUnavailable } from '../domain/errors.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';

export type StorageHealth = { healthy: true } | { healthy: false; reason: string };

export interface DirectoryHealthOptions {
  dir: string;
  logger: FastifyBaseLogger;
  /** Told which kind of filesystem a volume mounted at the directory is. */
  io: FsCalls;
  /** While storage is unusable it is checked this often, so that its return is noticed without traffic. */
  recheckMs: number;
  /** Called when storage is usable again after it was not. */
  onUsableAgain: () => Promise<void>;
}

function volumeGone(dir: string): string {
  return `The volume mounted at ${dir} is gone (unmounted?): the directory is now on its parent's filesystem`;
}

/**
 * Whether the config directory is usable: there, a directory, readable and
 * writable, and still on the volume once seen mounted there. Logs once when
 * it becomes unusable and once when it is usable again, and while it is not,
 * looks again on a timer so that its return is noticed without traffic.
 */
export class DirectoryHealth {
  private readonly dir: string;
  private readonly logger: FastifyBaseLogger;
  private closed = false;
  /** Why storage was last found unusable, while it is; null while it is usable. */
  private unusable: string | null = null;
  /** The next look while storage is unusable: waiting, under way, or none. */
  private recheck: NodeJS.Timeout | 'checking' | null = null;
  /** Checks of the directory started, and the number of the latest one whose finding was noted. */
  private healthChecks = 0;
  private healthNoted = 0;
  /**
   * Whether a volume has been seen mounted at the directory (on a device of its own). Unmounted, the
   * directory is still there, on its parent's filesystem, empty or with older files: without a check
   * the list would show those, reads would serve them and saves would land on the wrong disk.
   */
  private mountedVolume = false;

  constructor(private readonly options: DirectoryHealthOptions) {
    this.dir = options.dir;
    this.logger = options.logger;
  }

  /** Stops looking; nothing is logged any more. */
  close(): void {
    this.closed = true;
    if (this.recheck !== 'checking') clearTimeout(this.recheck ?? undefined);
  }

  /** Whether the directory is usable now, and why not. Logs the moment storage becomes unusable and the moment it is usable again. */
  async health(): Promise<StorageHealth> {
    const started = ++this.healthChecks;
    const health = await this.checkHealth();
    this.noteLook(started, health);
    return health;
  }

  /** Throws StorageUnavailable, with the reason, unless the directory is usable. */
  async assertUsable(): Promise<void> {
    const health = await this.health();
    if (!health.healthy) throw new StorageUnavailable(health.reason);
  }

  /** Refuses while the volume once mounted at the directory is gone. Two stats, and only for a mount point. */
  async assertVolumeMounted(): Promise<void> {
    if (this.mountedVolume) await this.refuseIfVolumeGone();
  }

  /** Refuses while the volume once seen mounted at the directory is gone (noted as a look); notices a volume mounted since. */
  async refuseIfVolumeGone(): Promise<void> {
    const started = ++this.healthChecks;
    if (!(await this.volumeGoneNow())) return;
    const reason = volumeGone(this.dir);
    this.noteLook(started, { healthy: false, reason });
    throw new StorageUnavailable(reason);
  }

  /**
   * Notes what look number `started` found, unless a later look was noted first: looks overlap (requests,
   * probes, the recheck), and one that started earlier and took longer must not undo what a later one found.
   */
  private noteLook(started: number, health: StorageHealth): void {
    if (started <= this.healthNoted) return;
    this.healthNoted = started;
    if (health.healthy) this.noteUsable();
    else this.noteUnusable(health.reason);
  }

  /**
   * Logs once when storage becomes unusable (and again if the reason changes), not on every refused request,
   * and looks again `recheckMs` after each look until it is back: the log then says when it came back,
   * with or without traffic or health probes. One look at a time, so a hung mount does not pile them up.
   */
  private noteUnusable(reason: string): void {
    if (this.closed) return;
    if (this.unusable !== reason) this.logger.error({ dir: this.dir }, `Config storage unavailable: ${reason}`);
    this.unusable = reason;
    this.recheck ??= setTimeout(() => {
      this.recheck = 'checking';
      this.health()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'Could not check the config directory'))
        .finally(() => {
          this.recheck = null;
          if (this.unusable !== null) this.noteUnusable(this.unusable);
        });
    }, this.options.recheckMs).unref();
  }

  private noteUsable(): void {
    if (this.closed || this.unusable === null) return;
    this.unusable = null;
    // A look under way clears itself when it ends.
    if (this.recheck !== 'checking') {
      clearTimeout(this.recheck ?? undefined);
      this.recheck = null;
    }
    // At warn, not info: a log kept at warn shows the failure, so it must show its end too.
    this.logger.warn({ dir: this.dir }, 'Config storage is usable again');
    this.options.onUsableAgain().catch((error: unknown) => this.logger.warn({ err: error }, 'Could not check the config directory'));
  }

  private async checkHealth(): Promise<StorageHealth> {
    let stat;
    try {
      stat = await fs.stat(this.dir);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { healthy: false, reason: `Directory does not exist: ${this.dir}` };
      if (code === 'EACCES' || code === 'EPERM') return { healthy: false, reason: `Permission denied: ${this.dir}` };
      return { healthy: false, reason: `Cannot access directory (${code ?? 'unknown error'}): ${this.dir}` };
    }
    if (!stat.isDirectory()) return { healthy: false, reason: `Path is not a directory: ${this.dir}` };
    if (await this.volumeGoneNow(stat.dev)) return { healthy: false, reason: volumeGone(this.dir) };
    try {
      await fs.access(this.dir, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      if (errorCode(error) === 'EROFS') return { healthy: false, reason: `Read-only file system: ${this.dir}` };
      return { healthy: false, reason: `Permission denied: ${this.dir}` };
    }
    return { healthy: true };
  }

  /**
   * Whether the volume once seen mounted at the directory is gone: the directory, whose device is `dev`,
   * is on its parent's filesystem. A directory seen on a device of its own is recorded as a mount point,
   * also when the volume was mounted after start-up.
   */
  private async volumeGoneNow(dev?: number): Promise<boolean> {
    const [dirDev, parent] = await Promise.all([dev ?? fs.stat(this.dir).then((stat) => stat.dev), fs.stat(path.dirname(this.dir)).catch(() => null)]);
    const onParentDevice = parent?.dev === dirDev;
    if (!onParentDevice && !this.mountedVolume) {
      this.mountedVolume = true;
      // Perhaps mounted after start-up, and perhaps a network filesystem: learn its kind (see FsCalls).
      if (!this.closed) await this.options.io.detectFilesystem(this.dir);
    }
    return this.mountedVolume && onParentDevice;
  }
}
