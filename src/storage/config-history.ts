import type { FastifyBaseLogger } from 'fastify';
import { isTombstone, versionsToPrune, type HistoryOperation, type VersionMeta } from '../domain/history-version.js';
import type { FileState } from './config-files.js';
import type { FileChange } from './config-index.js';
import type { FsCalls } from './fs-calls.js';
import { HistoryCatalog } from './history-catalog.js';
import { HistoryFolders } from './history-folders.js';
import { mapWithConcurrency } from './map-with-concurrency.js';

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

/** A version written and fsynced, to be put in place right after the config file is replaced. None of it ever throws. */
export interface StagedVersion {
  /** Renames the version into the history. */
  place(): Promise<void>;
  /** Makes the rename durable (an fsync of the MAC's history folder). */
  sync(): Promise<void>;
  /** Gives the version up: the change it records was not made. */
  discard(): Promise<void>;
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

/**
 * The version history of every config: one immutable file per version, in
 * `.iot-config/history/<mac>/`, named by its metadata and holding the exact
 * bytes (see docs/history.md). Versions are recorded by the writer of a
 * change while it holds the config's lock, so that replicas sharing the
 * directory number them in the order the config files were replaced.
 */
export class ConfigHistory {
  readonly catalog = new HistoryCatalog();
  private readonly folders: HistoryFolders;
  private loading: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(meta: VersionMeta) => void>();
  private readonly stale = new Set<string>();
  private closed = false;

  constructor(private readonly options: ConfigHistoryOptions) {
    this.folders = new HistoryFolders(options.dir, options.io);
  }

  /** Whether changes are recorded (HISTORY_LIMIT is not 0). What is on disk is readable either way. */
  get enabled(): boolean {
    return this.options.limit > 0;
  }

  /** Loads the history into memory in the background, and prunes old versions now and then. */
  start(): void {
    if (this.loading !== null) return;
    this.loading = this.loadAll().catch((error: unknown) => this.options.logger.warn({ err: error }, 'Could not load the config history'));
    if (this.enabled) {
      this.pruneTimer = setInterval(() => void this.pruneAll(), this.options.pruneEveryMs ?? 3_600_000).unref();
      void this.loading.then(() => this.pruneAll());
    }
  }

  close(): void {
    this.closed = true;
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
    const versions = await this.folders.list(mac, this.catalog.versionsOf(mac));
    this.stale.delete(mac);
    this.catalog.replace(mac, versions);
    return versions;
  }

  /** The stored bytes of a version. */
  bytesOf(meta: VersionMeta): Promise<Buffer> {
    return this.folders.bytesOf(meta);
  }

  /** Records a change already made, as {@link stage} describes, at once. */
  async record(mac: string, before: FileState | null, after: VersionContent | null, operation: HistoryOperation, actor: string | null): Promise<void> {
    const staged = await this.stage(mac, before, after, operation, actor);
    await staged?.place();
    await staged?.sync();
  }

  /**
   * Prepares the version of a change of `mac` from `before` to `after`, which
   * the caller, holding the config's lock, is making: written and fsynced
   * while the config file is, put in place right after it, and made durable
   * with it (see docs/adr/0011-history-files.md). A config that the history
   * does not end with (older than the history, or changed by hand since) first
   * gets what it held as an `external` baseline, so the change can be undone.
   * Null when history is off or the version cannot be written: the change
   * stands without it (a full disk), and the history then takes the config as
   * it is at its next change, as it does a change made by hand.
   */
  async stage(
    mac: string,
    before: FileState | null,
    after: VersionContent | null,
    operation: HistoryOperation,
    actor: string | null,
    restoredFrom: number | null = null,
    validationSkipped = false,
  ): Promise<StagedVersion | null> {
    if (!this.enabled) return null;
    const failed = (error: unknown) => this.options.logger.error({ err: error, mac }, 'Could not record a version of a config in its history');
    try {
      const versions = await this.versions(mac);
      if (recordable(before) && versions[versions.length - 1]?.etag !== before.etag) {
        versions.push(await this.write(mac, versions, { bytes: before.bytes, etag: before.etag }, 'external', null, null));
      }
      const { meta, staged } = await this.stageVersion(mac, versions, after, operation, actor, restoredFrom, validationSkipped);
      let placed = false;
      return {
        place: async () => {
          try {
            await staged.place();
            placed = true;
            this.pruneLater(mac, [...versions, this.added(meta)]);
          } catch (error) {
            failed(error);
            await staged.discard();
          }
        },
        sync: async () => {
          if (placed) await this.folders.sync(mac).catch(failed);
        },
        discard: () => staged.discard(),
      };
    } catch (error) {
      failed(error);
      return null;
    }
  }

  /** Brings the catalog up to date with every MAC another replica may have changed. */
  async refreshStale(): Promise<void> {
    await this.ready();
    await mapWithConcurrency([...this.stale], 16, async (mac) => {
      await this.versions(mac);
    });
  }

  /**
   * Takes in the config files a scan found changed that no write of this
   * process made: another replica's writes, whose versions it re-reads, and
   * changes made by hand, which {@link reconcile} records under the lock
   * `lockAndLoad` takes (it resolves to the file's state under that lock).
   */
  changesFound(changes: readonly FileChange[], initial: boolean, lockAndLoad: (mac: string, work: (current: FileState | null) => Promise<void>) => Promise<void>): void {
    if (!this.enabled) return;
    // Marked at once, so that an audit asked for after this scan reads these MACs' versions again.
    if (!initial) for (const { mac } of changes) this.stale.add(mac);
    const look = async () => {
      await this.ready();
      const candidates = [...changes];
      if (initial) {
        // A first scan sees no removal: a config removed while no replica looked is found by its history.
        const present = new Set(changes.map(({ mac }) => mac));
        for (const mac of this.catalog.macs()) if (!present.has(mac)) candidates.push({ mac, state: null });
      }
      const differing = candidates.filter(({ mac, state }) => this.mayDiffer(mac, state));
      await mapWithConcurrency(differing, 4, async ({ mac }) => {
        if (!this.closed) await lockAndLoad(mac, (current) => this.reconcile(mac, current));
      });
    };
    look().catch((error: unknown) => this.options.logger.warn({ err: error }, 'Could not record the changes made outside the service in the history'));
  }

  /** Whether the catalog says `mac`'s history does not end with `state`: then {@link reconcile} must look, under the lock. */
  private mayDiffer(mac: string, state: FileState | null): boolean {
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
  private async reconcile(mac: string, current: FileState | null): Promise<void> {
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
    const { meta, staged } = await this.stageVersion(mac, versions, content, operation, actor, restoredFrom);
    try {
      await staged.place();
    } catch (error) {
      await staged.discard();
      throw error;
    }
    await this.folders.sync(mac);
    return this.added(meta);
  }

  /** The version after `versions`, written and fsynced under a temp name; the MAC's history folder is made if missing. */
  private async stageVersion(
    mac: string,
    versions: readonly VersionMeta[],
    content: VersionContent | null,
    operation: HistoryOperation,
    actor: string | null,
    restoredFrom: number | null,
    validationSkipped = false,
  ) {
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
      validationSkipped,
    };
    const staged = await this.folders.stage(meta, content?.bytes ?? Buffer.alloc(0), head === undefined);
    return { meta, staged };
  }

  /** Takes a version just put in place into the catalog and tells the listeners. */
  private added(meta: VersionMeta): VersionMeta {
    this.catalog.add(meta);
    for (const listener of this.listeners) listener(meta);
    return meta;
  }

  /** Drops what retention allows, after the request that called it: pruning never delays a write. */
  private pruneLater(mac: string, versions: readonly VersionMeta[]): void {
    const drop = versionsToPrune(versions, this.options.limit, this.options.maxAgeMs, Date.now());
    if (drop.length > 0) setImmediate(() => void this.prune(mac, drop));
  }

  private async prune(mac: string, drop: readonly VersionMeta[]): Promise<void> {
    try {
      await this.folders.remove(drop);
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
    this.catalog.load(await this.folders.listAll());
  }
}

/** Whether a config file's state can be kept as a version: its bytes were read from disk (not over the size limit, not unreadable). */
function recordable(state: FileState | null): state is FileState & { etag: string } {
  return state !== null && state.etag !== null && state.statKey !== '';
}
