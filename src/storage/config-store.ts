import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { ConfigSummary } from '../domain/config-summary.js';
import {
  checkConditions,
  inspectConfig,
  unreadConfig,
  usableDocument,
  type ConfigDocument,
  type StoredConfig,
  type WriteConditions,
} from '../domain/config-document.js';
import {
  AppError,
  ConfigTooLarge,
  InvalidOperation,
  InvalidStoredConfig,
  RecordExists,
  RecordNotFound,
  StorageUnavailable,
} from '../domain/errors.js';
import { keptBytes } from './kept-bytes.js';
import { configFileName, macFromFileName } from '../domain/mac.js';
import { fsyncDirectory, writeFileAtomically } from './atomic-file.js';
import { FsCalls } from './fs-calls.js';
import { errorCode, exists, storageFailure, TRANSIENT_CODES } from './fs-errors.js';
import { KeyedMutex, LockFiles, type LockOptions } from './lock-file.js';
import { Leftovers } from './leftovers.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { DirectoryHealth, type StorageHealth } from './storage-health.js';

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
}

export type { ConfigDocument, WriteConditions };

export interface SkippedFile {
  filename: string;
  reason: string;
}

export interface ConfigListing {
  /** Changes whenever the listing does: a cache key for anything derived from it. */
  version: number;
  configs: readonly ConfigSummary[];
  skipped: readonly SkippedFile[];
}

export type ChangeEvent =
  | { operation: 'save'; mac: string; etag: string; created: boolean }
  | { operation: 'delete'; mac: string; etag: null }
  | { operation: 'rename'; from: string; to: string; etag: string };

export type { StorageHealth };

/** Identity of a file version: a new inode on every atomic write, and size/mtime/ctime for in-place edits by hand. */
function statKey(stat: BigIntStats): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

/**
 * Whether a scan's state of a file says what the index already holds: the
 * same cached state, or an unchanged file with the same problem. The states
 * of unusable files that are never read (a symlink, a directory) are made
 * anew on each scan, and without the second test every scan would rebuild
 * the index and give the list a new version while one was in the directory.
 */
function sameFileState(indexed: FileState | undefined, found: FileState): boolean {
  if (indexed === found) return true;
  return indexed !== undefined && indexed.summary === null && found.summary === null && indexed.problem === found.problem && indexed.statKey === found.statKey;
}

/** What is known of one `<mac>.json` as last read, with the stat it was read at ('' when not known to be what is on disk). */
interface FileState extends StoredConfig {
  statKey: string;
}

function unusableFile(statKeyValue: string, problem: string): FileState {
  return { statKey: statKeyValue, ...unreadConfig(problem) };
}

const SYMBOLIC_LINK = 'the file is a symbolic link, which is never followed; replace it with a regular file';
const NOT_A_REGULAR_FILE = 'the path is not a regular file (a directory or a device); remove it by hand';
const UNREADABLE_FILE = 'the file cannot be read (permission denied); give the service read access, or save a new config over it';
/** How long a scan reads synchronously before it lets the event loop turn. */
const SCAN_SLICE_MS = 2;

/**
 * The config files in one directory. Knows files, locks and ETags; knows
 * nothing of HTTP. See the README's "Storage and concurrency" section for the
 * model.
 */
export class ConfigStore {
  readonly dir: string;
  /** Largest config file read or written, in bytes. */
  readonly maxFileBytes: number;
  private readonly options: Required<Omit<ConfigStoreOptions, 'lock' | 'logger' | 'maxFileBytes' | 'storageRecheckMs'>> & { lock: LockOptions };
  private readonly logger: FastifyBaseLogger;
  private readonly files = new Map<string, FileState>();
  private readonly mutex = new KeyedMutex();
  private readonly listeners = new Set<(event: ChangeEvent) => void>();

  /** The in-memory index behind the list: one entry per canonical file name. */
  private index = new Map<string, FileState>();
  private skippedNames: SkippedFile[] = [];
  private scannedAt = -Infinity;
  private scan: Promise<void> | null = null;
  private version = 0;
  private sortedListing: ConfigListing | null = null;
  /**
   * The index's MACs in order, kept until a config is added or removed: a save over an existing config
   * changes one summary, not the order. Sorting the summaries anew after each save took 34 µs at 200
   * configs and 3.5 ms at 10,000; collecting them in the kept order takes 5 µs and 0.4 ms.
   */
  private sortedMacs: string[] | null = null;
  /** Local changes in order, so a scan that started before one of them does not undo it in the index. */
  private localChanges: { seq: number; mac: string; state: FileState | null }[] = [];
  private changeSeq = 0;
  private readonly warnedSkips = new Map<string, string>();
  private closed = false;
  /** Synchronous or thread-pool file calls, by how storage behaves (see {@link loadFile}). */
  private readonly io: FsCalls;
  private readonly locks: LockFiles;
  private readonly directory: DirectoryHealth;
  private readonly leftovers: Leftovers;

  constructor(options: ConfigStoreOptions) {
    this.dir = options.dir;
    this.maxFileBytes = options.maxFileBytes ?? 16 * 1_048_576;
    this.logger = options.logger;
    this.options = {
      dir: options.dir,
      createDir: options.createDir,
      listFreshMs: options.listFreshMs ?? 500,
      listMaxAgeMs: options.listMaxAgeMs ?? 1500,
      scanConcurrency: options.scanConcurrency ?? 64,
      tempFileMaxAgeMs: options.tempFileMaxAgeMs ?? 60_000,
      lock: { staleMs: 10_000, timeoutMs: 15_000, ...options.lock },
    };
    this.io = new FsCalls(() => this.logger.warn({ dir: this.dir }, 'Slow storage: using the thread pool for file calls for a while'));
    this.locks = new LockFiles(this.dir, this.options.lock, this.io);
    this.directory = new DirectoryHealth({
      dir: this.dir,
      logger: this.logger,
      io: this.io,
      recheckMs: options.storageRecheckMs ?? 5_000,
      onUsableAgain: () => this.warmUp(),
    });
    this.leftovers = new Leftovers({ tempFileMaxAgeMs: this.options.tempFileMaxAgeMs, lockStaleMs: this.options.lock.staleMs }, this.logger);
  }

  /** Creates the default directory if asked to, and warms the index in the background. */
  async start(): Promise<void> {
    if (this.options.createDir) {
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
    this.refreshListing().catch((error: unknown) => this.logger.warn({ err: error }, 'Could not scan the config directory'));
  }

  /** Call once no write is in flight any more. */
  async close(): Promise<void> {
    this.closed = true;
    this.directory.close();
    await this.scan?.catch(() => undefined);
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
    const state = await this.guard(`read config ${mac}`, () => this.loadFile(mac));
    if (state === null) {
      await this.directory.assertUsable();
      throw new RecordNotFound(mac);
    }
    return usableDocument(mac, state);
  }

  /** Writes `bytes` as the config of `mac`, if `conditions` hold. */
  async save(mac: string, bytes: Buffer, conditions: WriteConditions = {}): Promise<{ document: ConfigDocument; created: boolean }> {
    // Never write a file that reads would refuse.
    if (bytes.length > this.maxFileBytes) throw new ConfigTooLarge(mac, this.maxFileBytes);
    const written: FileState = { statKey: '', ...inspectConfig(mac, bytes) };
    const { summary, etag } = written;
    if (summary === null || etag === null) throw new InvalidOperation('A config must be a JSON object');
    return this.withWriteLocks([mac], `save config ${mac}`, async () => {
      const current = await this.loadFile(mac);
      checkConditions(mac, current, conditions);
      assertReplaceable(mac, current);
      const writtenStat = await writeFileAtomically(this.dir, configFileName(mac), bytes, this.io);
      const document: ConfigDocument = { mac, etag, bytes, summary };
      this.recordLocalChange(mac, await this.keyedByStat(mac, written, writtenStat));
      this.emit({ operation: 'save', mac, etag: document.etag, created: current === null });
      return { document, created: current === null };
    });
  }

  async remove(mac: string, conditions: WriteConditions = {}): Promise<void> {
    await this.withWriteLocks([mac], `delete config ${mac}`, async () => {
      const current = await this.loadFile(mac);
      if (current === null) {
        await this.directory.assertUsable();
        throw new RecordNotFound(mac);
      }
      checkConditions(mac, current, conditions);
      assertReplaceable(mac, current);
      await this.io.unlink(path.join(this.dir, configFileName(mac)));
      await fsyncDirectory(this.dir, this.io);
      this.recordLocalChange(mac, null);
      this.emit({ operation: 'delete', mac, etag: null });
    });
  }

  /**
   * Moves a config to another MAC in one rename(2), holding both MACs' locks,
   * so that there is never both files nor neither.
   */
  async rename(from: string, to: string, conditions: WriteConditions = {}): Promise<ConfigDocument> {
    if (from === to) throw new InvalidOperation(`The new MAC address ${to} is the config's current one`);
    return this.withWriteLocks([from, to], `rename config ${from} to ${to}`, async () => {
      const current = await this.loadFile(from);
      if (current === null) {
        await this.directory.assertUsable();
        throw new RecordNotFound(from);
      }
      checkConditions(from, current, conditions);
      const source = usableDocument(from, current);
      const target = path.join(this.dir, configFileName(to));
      if (await exists(target)) throw new RecordExists(to);
      await this.io.rename(path.join(this.dir, configFileName(from)), target);
      await fsyncDirectory(this.dir, this.io);
      const summary = { ...source.summary, mac_address: to };
      this.recordLocalChange(from, null);
      this.recordLocalChange(to, { statKey: '', bytes: source.bytes, etag: source.etag, summary, problem: null });
      this.emit({ operation: 'rename', from, to, etag: source.etag });
      return { mac: to, etag: source.etag, bytes: source.bytes, summary };
    });
  }

  /**
   * The list of configs, sorted by MAC, from the in-memory index. The index
   * holds this process's writes at once and is rescanned when older than
   * `listFreshMs`, so changes by other processes show within `listMaxAgeMs`
   * plus one scan. A scan re-reads only files whose stat changed.
   */
  async list(): Promise<ConfigListing> {
    const age = Date.now() - this.scannedAt;
    if (age > this.options.listMaxAgeMs) {
      await this.refreshListing();
    } else if (age > this.options.listFreshMs) {
      this.refreshListing().catch((error: unknown) => this.logger.warn({ err: error }, 'Background rescan of the config directory failed'));
    }
    return this.currentListing();
  }

  /** Number of valid config files on disk now (rescans first). */
  async countValidConfigs(): Promise<number> {
    await this.refreshListing();
    return this.currentListing().configs.length;
  }

  /** Rescans the directory (one scan at a time; callers during a scan share it). */
  refreshListing(): Promise<void> {
    this.scan ??= this.scanDirectory().finally(() => {
      this.scan = null;
    });
    return this.scan;
  }

  private currentListing(): ConfigListing {
    if (this.sortedListing === null) {
      const configs: ConfigSummary[] = [];
      const skipped: SkippedFile[] = [...this.skippedNames];
      // Canonical MACs are ASCII: the default sort orders them as comparing them with < does.
      this.sortedMacs ??= [...this.index.keys()].sort();
      for (const mac of this.sortedMacs) {
        const state = this.index.get(mac)!;
        if (state.summary !== null) configs.push(state.summary);
        else skipped.push({ filename: configFileName(mac), reason: state.problem ?? 'unusable' });
      }
      skipped.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
      this.sortedListing = { version: this.version, configs, skipped };
    }
    return this.sortedListing;
  }

  private async scanDirectory(): Promise<void> {
    const startedAt = Date.now();
    const startSeq = this.changeSeq;
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
      // After the readdir, so that what it read is known to come from the volume; also notices a late mount.
      await this.directory.refuseIfVolumeGone();
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        this.resetIndex();
        await this.directory.assertUsable();
      }
      if (error instanceof StorageUnavailable) this.resetIndex();
      throw storageFailure(error, this.dir, 'list the config directory');
    }
    // What the scan found for names[i]. Kept apart from the index, which is rebuilt only when something
    // changed: see indexIfChanged.
    const states = new Array<FileState | undefined>(names.length);
    const skipped: SkippedFile[] = [];
    // Reads may be synchronous (see FsCalls): let the event loop turn every few milliseconds.
    let sliceStarted = performance.now();
    const letEventLoopTurn = async () => {
      if (performance.now() - sliceStarted <= SCAN_SLICE_MS) return;
      await yieldToEventLoop();
      sliceStarted = performance.now();
    };
    await mapWithConcurrency(names.map((_, i) => i), this.options.scanConcurrency, async (i) => {
      await letEventLoopTurn();
      const name = names[i]!;
      if (name.startsWith('.')) {
        await this.leftovers.removeIfLeftover(this.dir, name);
        return;
      }
      const mac = macFromFileName(name);
      if (mac === null) {
        skipped.push({ filename: name, reason: 'the name is not a canonical <mac>.json such as aa-bb-cc-dd-ee-ff.json' });
        return;
      }
      let state: FileState | null;
      try {
        state = await this.loadFile(mac);
      } catch (error) {
        const code = errorCode(error);
        // A transient error must fail the list, never shorten it.
        if (code === undefined || TRANSIENT_CODES.has(code)) throw storageFailure(error, this.dir, 'read the config files');
        state = unusableFile('', code === 'EACCES' || code === 'EPERM' ? UNREADABLE_FILE : `the file cannot be read (${code})`);
      }
      if (state !== null) states[i] = state;
    }).catch((error: unknown) => {
      throw error instanceof AppError ? error : storageFailure(error, this.dir, 'read the config files');
    });
    if (this.closed) return;

    const index = this.indexIfChanged(names, states, startSeq);
    this.localChanges = [];
    if (index !== null) {
      for (const mac of this.files.keys()) if (!index.has(mac)) this.files.delete(mac);
      this.index = index;
      this.sortedMacs = null;
    }
    this.warnAboutSkipped(this.index, skipped);
    skipped.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    // An unchanged listing keeps its version, so what is derived from it (the sorted list, the serialised body) is kept too.
    const changed = index !== null || !sameSkipped(skipped, this.skippedNames);
    this.skippedNames = skipped;
    this.scannedAt = startedAt;
    if (changed) {
      this.version++;
      this.sortedListing = null;
    }
  }

  /**
   * The index a scan found (`states[i]` for `names[i]`, overlaid with this
   * process's writes made while it ran), or null when that is the current
   * index already. Most scans find nothing changed, and building a new
   * 10,000-entry map for each of them (twice a second under list load) is
   * what filled the heap's old generation: the map outlives the young
   * generation, so every scan left ~2 MB for a full collection to free.
   */
  private indexIfChanged(names: readonly string[], states: readonly (FileState | undefined)[], startSeq: number): Map<string, FileState> | null {
    const duringScan = this.localChanges.filter((change) => change.seq > startSeq);
    // The index already holds this process's writes made during the scan: those MACs are its to decide.
    const changedHere = new Set(duringScan.map((change) => change.mac));
    let confirmed = 0;
    let unchanged = true;
    for (let i = 0; i < names.length && unchanged; i++) {
      const state = states[i];
      if (state === undefined) continue;
      const mac = macFromFileName(names[i]!)!;
      if (changedHere.has(mac)) continue;
      unchanged = sameFileState(this.index.get(mac), state);
      confirmed++;
    }
    for (const mac of changedHere) if (this.index.has(mac)) confirmed++;
    // Any other entry of the index is a file someone else removed.
    if (unchanged && confirmed === this.index.size) return null;

    const index = new Map<string, FileState>();
    for (let i = 0; i < names.length; i++) {
      const state = states[i];
      if (state !== undefined) index.set(macFromFileName(names[i]!)!, state);
    }
    // Writes this process made while the scan ran win over what the scan saw.
    for (const change of duringScan) {
      if (change.state === null) index.delete(change.mac);
      else index.set(change.mac, change.state);
    }
    return index;
  }

  private warnAboutSkipped(index: Map<string, FileState>, skipped: SkippedFile[]): void {
    const now = new Map<string, string>(skipped.map((s) => [s.filename, s.reason]));
    for (const [mac, state] of index) if (state.problem !== null) now.set(configFileName(mac), state.problem);
    for (const [filename, reason] of now) {
      if (this.warnedSkips.get(filename) !== reason) this.logger.warn({ filename, reason }, `Skipping ${filename} in the config list: ${reason}`);
    }
    this.warnedSkips.clear();
    for (const [filename, reason] of now) this.warnedSkips.set(filename, reason);
  }

  /** Forgets the directory's files, and makes the next list scan before it answers: an emptied index is never served. */
  private resetIndex(): void {
    this.index = new Map();
    this.sortedMacs = null;
    this.skippedNames = [];
    this.files.clear();
    this.scannedAt = -Infinity;
    this.version++;
    this.sortedListing = null;
  }

  /**
   * The state of a file this process just wrote, keyed by its stat if the
   * file is still exactly the one written: same inode, size and mtime (only
   * the ctime may differ, which the rename set), so that an edit by hand in
   * the meantime is never taken for our bytes. Reads and the next scan then
   * reuse it instead of reading, hashing and listing it again.
   */
  private async keyedByStat(mac: string, written: FileState, writtenStat: BigIntStats): Promise<FileState> {
    // Only where it is cheap: a save on slow storage does not wait on one more call.
    if (!this.io.syncReads) return written;
    const stat = await this.io.lstat(path.join(this.dir, configFileName(mac))).catch(() => undefined);
    if (stat === undefined || !stat.isFile()) return written;
    const unchanged = stat.ino === writtenStat.ino && stat.size === writtenStat.size && stat.mtimeNs === writtenStat.mtimeNs;
    return unchanged ? { ...written, statKey: statKey(stat) } : written;
  }

  private recordLocalChange(mac: string, state: FileState | null): void {
    this.changeSeq++;
    if (this.scan !== null) this.localChanges.push({ seq: this.changeSeq, mac, state });
    // A state without a stat key (not known to be what is on disk) is never served from the cache.
    if (state !== null && state.statKey !== '') this.files.set(mac, state);
    else this.files.delete(mac);
    if (state === null || !this.index.has(mac)) this.sortedMacs = null;
    if (state === null) this.index.delete(mac);
    else this.index.set(mac, state);
    this.version++;
    this.sortedListing = null;
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
   * The state of `<mac>.json` now, or null when there is none. One lstat
   * when the file is unchanged since last read; symlinks are never followed.
   * Every call goes through FsCalls, which makes it synchronously while
   * storage answers fast (see docs/adr/0004-sync-file-calls.md).
   */
  private async loadFile(mac: string): Promise<FileState | null> {
    const filePath = path.join(this.dir, configFileName(mac));
    const stat = await this.io.lstat(filePath);
    if (stat === undefined) return null;
    if (stat.isSymbolicLink()) return unusableFile(statKey(stat), SYMBOLIC_LINK);
    if (!stat.isFile()) return unusableFile(statKey(stat), NOT_A_REGULAR_FILE);
    const cached = this.files.get(mac);
    if (cached?.statKey === statKey(stat)) return cached;
    // Unmounted, the directory may hold older files of its own: they are never served.
    await this.directory.assertVolumeMounted();

    let read;
    try {
      read = await this.io.readFile(filePath, this.maxFileBytes);
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
      bytes === null || size > this.maxFileBytes
        ? unusableFile(statKey(opened), `the file is ${size} bytes, over the limit of ${this.maxFileBytes} bytes for a config file, so it is not read`)
        : // A small file read may be a slice of Node's shared pool (see kept-bytes.ts).
          { statKey: statKey(opened), ...inspectConfig(mac, keptBytes(bytes)) };
    this.files.set(mac, state);
    return state;
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

/**
 * A `<mac>.json` that is a directory (a mistaken mkdir, a bad restore) can be
 * neither replaced by rename(2) nor unlinked: say so, rather than fail with an
 * opaque storage error. The directory is left as it is for a person to look at.
 */
function assertReplaceable(mac: string, current: FileState | null): void {
  if (current?.problem === NOT_A_REGULAR_FILE) throw new InvalidStoredConfig(mac, NOT_A_REGULAR_FILE, '', null, 409);
}

function sameSkipped(a: readonly SkippedFile[], b: readonly SkippedFile[]): boolean {
  return a.length === b.length && a.every((s, i) => s.filename === b[i]!.filename && s.reason === b[i]!.reason);
}
