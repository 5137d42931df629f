import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { isTombstone, parseVersionFileName, versionFileName, versionsToPrune, type HistoryOperation, type VersionMeta } from '../domain/history-version.js';
import { CANONICAL_MAC_PATTERN } from '../domain/mac.js';
import { writeFileAtomically } from './atomic-file.js';
import type { FileState } from './config-files.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';
import { HistoryCatalog } from './history-catalog.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { stateSubdirectory, statePaths } from './state-directory.js';

/** Who made a change through the API, and how when it is not a plain save. */
export interface ChangeOrigin {
  actor: string | null;
  operation?: Extract<HistoryOperation, 'restore' | 'import'>;
  restoredFrom?: number;
}

/** A config's content after a change, or null when the change removed it from the MAC. */
export interface VersionContent {
  bytes: Buffer;
  etag: string;
}

export interface ConfigHistoryOptions {
  dir: string;
  io: FsCalls;
  logger: FastifyBaseLogger;
  /** Versions kept per MAC; 0: no version is recorded. */
  limit: number;
  /** Versions older than this are dropped, beyond the newest ten. */
  maxAgeMs: number;
  /** How often old versions of configs that do not change are looked for. */
  pruneEveryMs?: number;
}

const HISTORY_DIR = 'history';

/**
 * The version history of every config: one immutable file per version, in
 * `.iot-config/history/<mac>/`, named by its metadata and holding the exact
 * bytes (see docs/history.md). Versions are recorded by the writer of a
 * change while it holds the config's lock, so that replicas sharing the
 * directory number them in the order the config files were replaced.
 */
export class ConfigHistory {
  readonly catalog = new HistoryCatalog();
  private readonly root: string;
  private loading: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(meta: VersionMeta) => void>();
  private readonly stale = new Set<string>();

  constructor(private readonly options: ConfigHistoryOptions) {
    this.root = path.join(statePaths(options.dir).root, HISTORY_DIR);
  }

  /** Whether changes are recorded (HISTORY_LIMIT is not 0). What is on disk is readable either way. */
  get enabled(): boolean {
    return this.options.limit > 0;
  }

  /** Loads the history into memory in the background, and prunes old versions now and then. */
  start(): void {
    this.loading ??= this.loadAll().catch((error: unknown) => this.options.logger.warn({ err: error }, 'Could not load the config history'));
    if (this.enabled) {
      this.pruneTimer = setInterval(() => void this.pruneAll(), this.options.pruneEveryMs ?? 3_600_000).unref();
      void this.loading.then(() => this.pruneAll());
    }
  }

  close(): void {
    clearInterval(this.pruneTimer);
  }

  /** Resolves once the history on disk at start-up is in the catalog. */
  async ready(): Promise<void> {
    this.start();
    await this.loading;
  }

  /** Told of every version this process records. */
  onVersion(listener: (meta: VersionMeta) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The versions of `mac` on disk now, in version order; the catalog is brought up to date with them. */
  async versions(mac: string): Promise<VersionMeta[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dirOf(mac));
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      names = [];
    }
    const versions = parseNames(mac, names);
    this.stale.delete(mac);
    this.catalog.replace(mac, versions);
    return versions;
  }

  /** The stored bytes of a version. */
  async bytesOf(meta: VersionMeta): Promise<Buffer> {
    return fs.readFile(path.join(this.dirOf(meta.mac), versionFileName(meta)));
  }

  /**
   * Records a change of `mac` from `before` to `after`. The caller holds the
   * config's lock and has replaced the file. A config that the history does
   * not end with (older than the history, or changed by hand since) first
   * gets what it held as an `external` baseline, so the change can be undone.
   */
  async record(mac: string, before: FileState | null, after: VersionContent | null, operation: HistoryOperation, actor: string | null, restoredFrom: number | null = null): Promise<void> {
    if (!this.enabled) return;
    const versions = await this.versions(mac);
    const baseline = recordable(before) && versions[versions.length - 1]?.etag !== before.etag;
    if (baseline) versions.push(await this.write(mac, versions, { bytes: before.bytes, etag: before.etag }, 'external', null, null));
    versions.push(await this.write(mac, versions, after, operation, actor, restoredFrom));
    this.pruneLater(mac, versions);
  }

  /** Marks the catalog's versions of `mac` as possibly behind the disk (another replica changed the config). */
  markStale(mac: string): void {
    this.stale.add(mac);
  }

  /** Brings the catalog up to date with every MAC another replica may have changed. */
  async refreshStale(): Promise<void> {
    await this.ready();
    const macs = [...this.stale];
    await mapWithConcurrency(macs, 16, async (mac) => {
      await this.versions(mac);
    });
  }

  /** Whether the catalog says `mac`'s history does not end with `state`: then {@link reconcile} must look, under the lock. */
  mayDiffer(mac: string, state: FileState | null): boolean {
    if (!this.enabled) return false;
    const head = this.catalog.head(mac);
    if (head === undefined) return false;
    return state === null ? !isTombstone(head) : recordable(state) && head.etag !== state.etag;
  }

  /**
   * Records a change made by hand (the config file replaced, edited or
   * removed outside the service) as an `external` version. The caller holds
   * the config's lock, so another replica's change in progress is over and
   * its version on disk. A config with no history yet is left to its first
   * recorded change.
   */
  async reconcile(mac: string, current: FileState | null): Promise<void> {
    if (!this.enabled) return;
    const versions = await this.versions(mac);
    const head = versions[versions.length - 1];
    if (head === undefined) return;
    if (current === null) {
      if (!isTombstone(head)) versions.push(await this.write(mac, versions, null, 'external', null, null));
    } else if (recordable(current) && head.etag !== current.etag) {
      versions.push(await this.write(mac, versions, { bytes: current.bytes, etag: current.etag }, 'external', null, null));
    } else return;
    this.pruneLater(mac, versions);
  }

  private async write(mac: string, versions: readonly VersionMeta[], content: VersionContent | null, operation: HistoryOperation, actor: string | null, restoredFrom: number | null): Promise<VersionMeta> {
    const head = versions[versions.length - 1];
    const meta: VersionMeta = {
      mac,
      version: (head?.version ?? 0) + 1,
      // Never before the version it follows, so that time order and version order agree across replicas' clocks.
      at: Math.max(Date.now(), head?.at ?? 0),
      operation,
      actor,
      etag: content?.etag ?? null,
      size: content?.bytes.length ?? 0,
      restoredFrom,
    };
    const dir = this.dirOf(mac);
    if (head === undefined) await this.makeDirOf(mac);
    await writeFileAtomically(this.options.dir, versionFileName(meta), content?.bytes ?? Buffer.alloc(0), this.options.io, dir);
    this.catalog.add(meta);
    for (const listener of this.listeners) listener(meta);
    return meta;
  }

  private async makeDirOf(mac: string): Promise<void> {
    await stateSubdirectory(this.options.dir, HISTORY_DIR);
    await fs.mkdir(this.dirOf(mac), { recursive: true });
  }

  private dirOf(mac: string): string {
    return path.join(this.root, mac);
  }

  /** Drops what retention allows, after the request that called it: pruning never delays a write. */
  private pruneLater(mac: string, versions: readonly VersionMeta[]): void {
    const drop = versionsToPrune(versions, this.options.limit, this.options.maxAgeMs, Date.now());
    if (drop.length > 0) setImmediate(() => void this.prune(mac, drop));
  }

  private async prune(mac: string, drop: readonly VersionMeta[]): Promise<void> {
    try {
      // Another replica may prune the same versions: a file already gone is no error.
      await Promise.all(drop.map((meta) => this.options.io.unlink(path.join(this.dirOf(mac), versionFileName(meta)), { missingOk: true })));
      this.catalog.remove(mac, drop);
    } catch (error) {
      this.options.logger.warn({ err: error, mac }, 'Could not prune old versions of a config');
    }
  }

  private async pruneAll(): Promise<void> {
    const now = Date.now();
    for (const mac of this.catalog.macs()) {
      const drop = versionsToPrune(this.catalog.versionsOf(mac), this.options.limit, this.options.maxAgeMs, now);
      if (drop.length > 0) await this.prune(mac, drop);
    }
  }

  private async loadAll(): Promise<void> {
    let macs: string[];
    try {
      macs = (await fs.readdir(this.root)).filter((name) => CANONICAL_MAC_PATTERN.test(name));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw error;
    }
    const perMac = new Map<string, VersionMeta[]>();
    await mapWithConcurrency(macs, 32, async (mac) => {
      try {
        const versions = parseNames(mac, await fs.readdir(this.dirOf(mac)));
        if (versions.length > 0) perMac.set(mac, versions);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw error;
      }
    });
    this.catalog.load(perMac);
  }
}

/** Whether a config file's state can be kept as a version: its bytes were read from disk (not over the size limit, not unreadable). */
function recordable(state: FileState | null): state is FileState & { etag: string } {
  return state !== null && state.etag !== null && state.statKey !== '';
}

function parseNames(mac: string, names: readonly string[]): VersionMeta[] {
  const versions: VersionMeta[] = [];
  for (const name of names) {
    const meta = parseVersionFileName(mac, name);
    if (meta !== null) versions.push(meta);
  }
  return versions.sort((a, b) => a.version - b.version || a.at - b.at);
}
