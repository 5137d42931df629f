import fs from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { checkConditions, inspectConfig, usableDocument, type ConfigDocument, type StoredConfig, type WriteConditions } from '../domain/config-document.js';
import { AppError, ConfigTooLarge, InvalidOperation, RecordExists, RecordNotFound, StorageUnavailable, TombstoneNotRestorable, VersionNotFound } from '../domain/errors.js';
import { isTombstone } from '../domain/history-version.js';
import { configFileName } from '../domain/mac.js';
import { fsyncDirectory, stageFile } from './atomic-file.js';
import { assertReplaceable, ConfigFiles, type FileState } from './config-files.js';
import { ConfigHistory, type ChangeOrigin, type StagedVersion } from './config-history.js';
import { ConfigIndex, type ConfigListing, type SkippedFile } from './config-index.js';
import { ConfigValidation } from './config-validation.js';
import { FsCalls } from './fs-calls.js';
import { errorCode, exists, storageFailure } from './fs-errors.js';
import { Leftovers } from './leftovers.js';
import { KeyedMutex, LockFiles, type LockOptions } from './lock-file.js';
import { SchemaFiles } from './schema-files.js';
import { DirectoryHealth, type StorageHealth } from './storage-health.js';

export type { ChangeOrigin, ConfigDocument, ConfigListing, SkippedFile, StorageHealth, WriteConditions };

export interface ConfigStoreOptions {
  dir: string;
  /** Create the directory when missing (only for the built-in default directory). */
  createDir: boolean;
  logger: FastifyBaseLogger;
  lock?: Partial<LockOptions>;
  /** A list younger than this is served as is. */
  listFreshMs?: number;
  /** A list older than this is rescanned before it is served; in between it is served and rescanned in the background. */
  listMaxAgeMs?: number;
  /** Bound on files read at once while scanning, so a large fleet never runs out of file handles. */
  scanConcurrency?: number;
  /** A temp file of a writer that may still be alive is removed only once it is this old. */
  tempFileMaxAgeMs?: number;
  /** While storage is unusable it is checked this often, so that its return is noticed without traffic. */
  storageRecheckMs?: number;
  /**
   * Largest config file read or written. A bigger file (a stray disk image, a log) is reported
   * as unusable without being read, so it cannot fill the memory; a save that big is refused.
   */
  maxFileBytes?: number;
  /** Versions kept per MAC (0: history off) and their age limit beyond the newest ten. */
  history?: { limit: number; maxAgeMs: number };
  /** The content key whose value names a config's schema (see docs/schemas.md). */
  schemaSelectorKey?: string;
}

export interface SaveOptions {
  /** false: save even when the config fails its schema. */
  validate?: boolean;
}

const NO_ACTOR: ChangeOrigin = { actor: null };

export type ChangeEvent =
  | { operation: 'save'; mac: string; etag: string; created: boolean }
  | { operation: 'delete'; mac: string; etag: null }
  | { operation: 'rename'; from: string; to: string; etag: string };

/**
 * The config files in one directory. Knows files, locks and ETags; knows
 * nothing of HTTP. docs/operations.md describes the model and its
 * guarantees.
 */
export class ConfigStore {
  readonly dir: string;
  /** Largest config file read or written, in bytes. */
  readonly maxFileBytes: number;
  private readonly createDir: boolean;
  private readonly logger: FastifyBaseLogger;
  private readonly mutex = new KeyedMutex();
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private closed = false;
  /** Synchronous or thread-pool file calls, by how storage behaves (see FsCalls). */
  private readonly io: FsCalls;
  private readonly locks: LockFiles;
  private readonly directory: DirectoryHealth;
  private readonly files: ConfigFiles;
  private readonly index: ConfigIndex;
  /** The version history of every config, recorded by each write under its lock. */
  readonly history: ConfigHistory;
  /** The JSON Schemas configs are checked against before they are saved. */
  readonly validation: ConfigValidation;

  constructor(options: ConfigStoreOptions) {
    const { dir, logger } = options;
    this.dir = dir;
    this.maxFileBytes = options.maxFileBytes ?? 16 * 1_048_576;
    this.createDir = options.createDir;
    this.logger = logger;
    const lock: LockOptions = { staleMs: 10_000, timeoutMs: 15_000, ...options.lock };
    this.io = new FsCalls(() => logger.warn({ dir }, 'Slow storage: using the thread pool for file calls for a while'));
    this.locks = new LockFiles(dir, lock, this.io);
    this.directory = new DirectoryHealth({ dir, logger, io: this.io, recheckMs: options.storageRecheckMs ?? 5_000, onUsableAgain: () => this.warmUp() });
    this.files = new ConfigFiles({ dir, maxFileBytes: this.maxFileBytes, io: this.io, assertVolumeMounted: () => this.directory.assertVolumeMounted() });
    this.index = new ConfigIndex({
      dir,
      logger,
      files: this.files,
      directory: this.directory,
      leftovers: new Leftovers({ tempFileMaxAgeMs: options.tempFileMaxAgeMs ?? 60_000, lockStaleMs: lock.staleMs }, logger),
      listFreshMs: options.listFreshMs ?? 500,
      listMaxAgeMs: options.listMaxAgeMs ?? 1500,
      scanConcurrency: options.scanConcurrency ?? 64,
      // Changes no write of this process made: the history records those made by hand, each under its config's lock.
      onFilesChanged: (changes, initial) => {
        if (this.closed) return;
        this.history.changesFound(changes, initial, (mac, work) => this.withWriteLocks([mac], `record a change of ${mac} made outside the service`, async () => work(await this.files.load(mac))));
      },
    });
    const history = options.history ?? { limit: 100, maxAgeMs: 365 * 86_400_000 };
    this.history = new ConfigHistory({ dir, io: this.io, logger, ...history });
    this.validation = new ConfigValidation(new SchemaFiles({ dir, io: this.io, logger }), options.schemaSelectorKey ?? 'deviceType');
  }

  /** Creates the default directory if asked to, and warms the index in the background. */
  async start(): Promise<void> {
    if (this.createDir) {
      await fs.mkdir(this.dir, { recursive: true });
    }
    // Unusable (logged by health()): warmed up once it is usable again.
    if ((await this.health()).healthy) await this.warmUp();
  }

  /** Learns what kind of filesystem the directory is on (see FsCalls) and scans it in the background. */
  private async warmUp(): Promise<void> {
    if (this.closed) return;
    await this.io.detectFilesystem(this.dir);
    if (this.closed) return;
    this.history.start();
    this.refreshListing().catch((error: unknown) => this.logger.warn({ err: error }, 'Could not scan the config directory'));
  }

  /** Call once no write is in flight any more. */
  async close(): Promise<void> {
    this.closed = true;
    this.directory.close();
    this.history.close();
    await this.index.close();
    await this.locks.close().catch((error: unknown) => this.logger.warn({ err: error }, 'Could not remove the idle lock tokens'));
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the directory is usable now, and why not. Logs the moment storage becomes unusable and the moment it is usable again. */
  health(): Promise<StorageHealth> {
    return this.directory.health();
  }

  /** The config as it is on disk now. */
  async read(mac: string): Promise<ConfigDocument> {
    return usableDocument(mac, await this.guard(`read config ${mac}`, () => this.existingFile(mac)));
  }

  /** What `<mac>.json` holds now, usable or not (null: no file): for an import's plan, compared before it writes. */
  async stateOf(mac: string): Promise<StoredConfig | null> {
    return this.guard(`read config ${mac}`, () => this.files.load(mac));
  }

  /** Writes `bytes` as the config of `mac`, if `conditions` hold, and records the version. */
  async save(mac: string, bytes: Buffer, conditions: WriteConditions = {}, origin = NO_ACTOR, options: SaveOptions = {}): Promise<{ document: ConfigDocument; created: boolean }> {
    // Never write a file that reads would refuse.
    if (bytes.length > this.maxFileBytes) throw new ConfigTooLarge(mac, this.maxFileBytes);
    const written: FileState = { statKey: '', ...inspectConfig(mac, bytes) };
    const { summary, etag } = written;
    if (summary === null || etag === null) throw new InvalidOperation('A config must be a JSON object');
    if (options.validate !== false) await this.guard(`read the schemas for ${mac}`, () => this.validation.check(mac, bytes));
    return this.withWriteLocks([mac], `save config ${mac}`, async () => {
      const current = await this.files.load(mac);
      checkConditions(mac, current, conditions);
      assertReplaceable(mac, current);
      const operation = origin.operation ?? (current === null ? 'create' : 'update');
      const writtenStat = await this.writeWithVersion(mac, bytes, () => this.history.stage(mac, current, { bytes, etag }, operation, origin.actor, origin.restoredFrom ?? null, options.validate === false));
      const document: ConfigDocument = { mac, etag, bytes, summary };
      this.index.recordLocalChange(mac, await this.files.keyedByStat(mac, written, writtenStat));
      this.emit({ operation: 'save', mac, etag: document.etag, created: current === null });
      return { document, created: current === null };
    });
  }

  async remove(mac: string, conditions: WriteConditions = {}, origin = NO_ACTOR): Promise<void> {
    await this.withWriteLocks([mac], `delete config ${mac}`, async () => {
      const current = await this.existingFile(mac);
      checkConditions(mac, current, conditions);
      assertReplaceable(mac, current);
      await this.io.unlink(this.files.pathOf(mac));
      await fsyncDirectory(this.dir, this.io);
      this.index.recordLocalChange(mac, null);
      await this.history.record(mac, current, null, 'delete', origin.actor);
      this.emit({ operation: 'delete', mac, etag: null });
    });
  }

  /**
   * Moves a config to another MAC in one rename(2), holding both MACs' locks,
   * so that there is never both files nor neither.
   */
  async rename(from: string, to: string, conditions: WriteConditions = {}, origin = NO_ACTOR): Promise<ConfigDocument> {
    if (from === to) throw new InvalidOperation(`The new MAC address ${to} is the config's current one`);
    return this.withWriteLocks([from, to], `rename config ${from} to ${to}`, async () => {
      const current = await this.existingFile(from);
      checkConditions(from, current, conditions);
      const source = usableDocument(from, current);
      const target = this.files.pathOf(to);
      if (await exists(target)) throw new RecordExists(to);
      await this.io.rename(this.files.pathOf(from), target);
      await fsyncDirectory(this.dir, this.io);
      const summary = { ...source.summary, mac_address: to };
      this.index.recordLocalChange(from, null);
      this.index.recordLocalChange(to, { statKey: '', bytes: source.bytes, etag: source.etag, summary, problem: null });
      await this.history.record(from, current, null, 'rename_from', origin.actor);
      await this.history.record(to, null, source, 'rename_to', origin.actor);
      this.emit({ operation: 'rename', from, to, etag: source.etag });
      return { mac: to, etag: source.etag, bytes: source.bytes, summary };
    });
  }

  /**
   * Writes an old version's exact bytes as the config of `mac` again,
   * through the save path: a restore is a new version. A tombstone holds no
   * config to restore.
   */
  async restore(mac: string, version: number, conditions: WriteConditions = {}, actor: string | null = null, options: SaveOptions = {}): Promise<ConfigDocument> {
    const meta = (await this.guard(`read the history of ${mac}`, () => this.history.versions(mac))).find((each) => each.version === version);
    if (meta === undefined) throw new VersionNotFound(mac, version);
    if (isTombstone(meta)) throw new TombstoneNotRestorable(mac, version);
    const bytes = await this.guard(`read version ${version} of ${mac}`, () => this.history.bytesOf(meta));
    const { document } = await this.save(mac, bytes, conditions, { actor, operation: 'restore', restoredFrom: version }, options);
    return document;
  }

  /**
   * The list of configs, sorted by MAC, from the in-memory index (see
   * ConfigIndex): this process's writes show at once, other processes'
   * within `listMaxAgeMs` plus one scan.
   */
  list(): Promise<ConfigListing> {
    return this.index.list();
  }

  /**
   * The list as {@link list} gives it, but served without waiting for a
   * rescan unless it is older than `maxAgeMs` (a rescan then runs in the
   * background): for answers that must be quick more than exact to the
   * second, such as a search.
   */
  listWithin(maxAgeMs: number): Promise<ConfigListing> {
    return this.index.list(maxAgeMs);
  }

  /** The stored bytes of a listed config, as the index holds them. */
  storedBytes(mac: string): Buffer | undefined {
    return this.index.bytesOf(mac);
  }

  /** Number of valid config files on disk now (rescans first). */
  async countValidConfigs(): Promise<number> {
    await this.refreshListing();
    return this.index.current().configs.length;
  }

  /** Rescans the directory (one scan at a time; callers during a scan share it). */
  refreshListing(): Promise<void> {
    return this.index.refresh();
  }

  private emit(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error }, 'A config change listener failed');
      }
    }
  }

  /**
   * The atomic write of a config (docs/adr/0002-atomic-write.md) with its
   * version made beside it: both files written and fsynced at once, renamed
   * config first, and both folders fsynced at once, so that keeping a version
   * adds little to a save's time (docs/adr/0011-history-files.md).
   */
  private async writeWithVersion(mac: string, bytes: Buffer, stageVersion: () => Promise<StagedVersion | null>) {
    const [config, version] = await Promise.allSettled([stageFile(this.dir, configFileName(mac), bytes, this.io), stageVersion()]);
    const staged = version.status === 'fulfilled' ? version.value : null;
    if (config.status === 'rejected') {
      await staged?.discard();
      throw config.reason;
    }
    try {
      await config.value.place();
    } catch (error) {
      await Promise.all([config.value.discard(), staged?.discard()]);
      throw error;
    }
    await staged?.place();
    await Promise.all([fsyncDirectory(this.dir, this.io), staged?.sync()]);
    return config.value.stat;
  }

  /** The state of `<mac>.json`, which must exist: RecordNotFound otherwise (StorageUnavailable if the directory is the reason). */
  private async existingFile(mac: string): Promise<FileState> {
    const current = await this.files.load(mac);
    if (current !== null) return current;
    await this.directory.assertUsable();
    throw new RecordNotFound(mac);
  }

  /** Runs `work`, turning filesystem errors into domain errors (503 when the directory itself is the problem). */
  private async guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') await this.directory.assertUsable();
      const failure = storageFailure(error, this.dir, action);
      // A permission or read-only failure may be the directory's, noted and logged once as its loss is,
      // or one file's (another owner, a sticky directory), logged with its cause since the answer blames the directory.
      if (!(failure instanceof StorageUnavailable)) this.logger.error({ err: error }, `Storage failure: ${action}`);
      else if ((await this.health()).healthy) this.logger.warn({ err: error }, `Storage failure: ${action}`);
      throw failure;
    }
  }

  /**
   * Holds the locks of `macs` (in sorted order, so two renames never wait on
   * each other) around `work`: first an in-process mutex, so local writers
   * queue, then the lock file, which excludes writers in other processes.
   */
  private withWriteLocks<T>(macs: string[], action: string, work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(macs)].sort();
    const lockAll = (i: number): Promise<T> => {
      if (i === sorted.length) return work();
      const mac = sorted[i]!;
      return this.mutex.run(mac, async () => {
        const release = await this.locks.acquire(mac);
        try {
          return await lockAll(i + 1);
        } finally {
          await release().catch((error: unknown) => this.logger.error({ err: error, mac }, 'Could not release a lock file'));
        }
      });
    };
    // Checked before the locks, whose files would otherwise be made on the wrong disk.
    return this.guard(action, () => this.directory.assertVolumeMounted().then(() => lockAll(0)));
  }
}
