import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { ConfigSummary } from '../domain/config-summary.js';
import { AppError, StorageUnavailable } from '../domain/errors.js';
import { configFileName, macFromFileName } from '../domain/mac.js';
import { unusableFile, UNREADABLE_FILE, type ConfigFiles, type FileState } from './config-files.js';
import { errorCode, storageFailure, TRANSIENT_CODES } from './fs-errors.js';
import type { Leftovers } from './leftovers.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import type { DirectoryHealth } from './storage-health.js';

export interface SkippedFile {
  filename: string;
  reason: string;
}

export interface ConfigListing {
  /** Changes whenever the listing does: a cache key for anything derived from it. */
  version: number;
  configs: readonly ConfigSummary[];
  /** The ETag of each config, in the order of `configs`. */
  etags?: readonly string[];
  skipped: readonly SkippedFile[];
}

export interface ConfigIndexOptions {
  dir: string;
  logger: FastifyBaseLogger;
  files: ConfigFiles;
  directory: DirectoryHealth;
  leftovers: Leftovers;
  /** A list younger than this is served as is. */
  listFreshMs: number;
  /** A list older than this is rescanned before it is served; in between it is served and rescanned in the background. */
  listMaxAgeMs: number;
  /** Bound on files read at once while scanning, so a large fleet never runs out of file handles. */
  scanConcurrency: number;
  /**
   * Told of the files a scan found changed, added or removed (state null)
   * other than by this process; `initial` when the index was empty before it.
   */
  onFilesChanged?: (changes: FileChange[], initial: boolean) => void;
}

export interface FileChange {
  mac: string;
  state: FileState | null;
}

/** How long a scan reads synchronously before it lets the event loop turn. */
const SCAN_SLICE_MS = 2;

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

function sameSkipped(a: readonly SkippedFile[], b: readonly SkippedFile[]): boolean {
  return a.length === b.length && a.every((s, i) => s.filename === b[i]!.filename && s.reason === b[i]!.reason);
}

const byFilename = (a: SkippedFile, b: SkippedFile) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0);

/**
 * The in-memory index behind the list: one entry per canonical file name,
 * holding this process's writes at once and rescanned when older than
 * `listFreshMs`, so changes by other processes show within `listMaxAgeMs`
 * plus one scan. A scan re-reads only files whose stat changed, and an
 * unchanged index is kept as it is (see docs/adr/0006-list-index.md).
 */
export class ConfigIndex {
  private index = new Map<string, FileState>();
  private skippedNames: SkippedFile[] = [];
  private scannedAt = -Infinity;
  private scan: Promise<void> | null = null;
  private nextScan: Promise<void> | null = null;
  private version = 0;
  private sortedListing: ConfigListing | null = null;
  /** The index's MACs in order, kept until a config is added or removed: a save over an existing config changes one summary, not the order. */
  private sortedMacs: string[] | null = null;
  /** Local changes in order, so a scan that started before one of them does not undo it in the index. */
  private localChanges: { seq: number; mac: string; state: FileState | null }[] = [];
  private changeSeq = 0;
  private readonly warnedSkips = new Map<string, string>();
  private closed = false;

  constructor(private readonly options: ConfigIndexOptions) {}

  /** The list of configs, sorted by MAC, rescanned first if older than `maxAgeMs` (by default `listMaxAgeMs`). */
  async list(maxAgeMs = this.options.listMaxAgeMs): Promise<ConfigListing> {
    const age = Date.now() - this.scannedAt;
    if (age > maxAgeMs) {
      await this.rescan();
    } else if (age > this.options.listFreshMs) {
      this.rescan().catch((error: unknown) => this.options.logger.warn({ err: error }, 'Background rescan of the config directory failed'));
    }
    return this.current();
  }

  /**
   * Rescans the directory, with a scan that starts after this call: a scan
   * already under way may have read the directory before a change the caller
   * has just made. One scan runs at a time; callers during it share the next.
   */
  refresh(): Promise<void> {
    if (this.scan === null) return this.rescan();
    this.nextScan ??= this.scan
      .catch(() => undefined)
      .then(() => {
        this.nextScan = null;
        return this.rescan();
      });
    return this.nextScan;
  }

  /** A scan: the one under way, or a new one. */
  private rescan(): Promise<void> {
    this.scan ??= this.scanDirectory().finally(() => {
      this.scan = null;
    });
    return this.scan;
  }

  /** Waits for a scan under way; no scan is taken into the index afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.nextScan?.catch(() => undefined);
    await this.scan?.catch(() => undefined);
  }

  /** The listing as the index holds it now, without a scan. */
  current(): ConfigListing {
    if (this.sortedListing === null) {
      const configs: ConfigSummary[] = [];
      const etags: string[] = [];
      const skipped: SkippedFile[] = [...this.skippedNames];
      // Canonical MACs are ASCII: the default sort orders them as comparing them with < does.
      this.sortedMacs ??= [...this.index.keys()].sort();
      for (const mac of this.sortedMacs) {
        const state = this.index.get(mac)!;
        if (state.summary !== null) {
          configs.push(state.summary);
          etags.push(state.etag!);
        } else skipped.push({ filename: configFileName(mac), reason: state.problem ?? 'unusable' });
      }
      skipped.sort(byFilename);
      this.sortedListing = { version: this.version, configs, etags, skipped };
    }
    return this.sortedListing;
  }

  /** The bytes of a config as the index holds them, for what is derived from its content (its validation). */
  bytesOf(mac: string): Buffer | undefined {
    return this.index.get(mac)?.bytes;
  }

  /** Takes in a write of this process (null: the config was removed), in the index and the file cache at once. */
  recordLocalChange(mac: string, state: FileState | null): void {
    this.changeSeq++;
    if (this.scan !== null) this.localChanges.push({ seq: this.changeSeq, mac, state });
    this.options.files.remember(mac, state);
    if (state === null || !this.index.has(mac)) this.sortedMacs = null;
    if (state === null) this.index.delete(mac);
    else this.index.set(mac, state);
    this.version++;
    this.sortedListing = null;
  }

  private async scanDirectory(): Promise<void> {
    if (this.closed) return;
    const { dir, directory, files, leftovers } = this.options;
    const startedAt = Date.now();
    const startSeq = this.changeSeq;
    let names: string[];
    try {
      names = await fs.readdir(dir);
      // After the readdir, so that what it read is known to come from the volume; also notices a late mount.
      await directory.refuseIfVolumeGone();
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        this.reset();
        await directory.assertUsable();
      }
      if (error instanceof StorageUnavailable) this.reset();
      throw storageFailure(error, dir, 'list the config directory');
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
    // Hidden names are never configs: the state directory, leftovers of crashed writers, or a person's files.
    const cleaning = leftovers.removeAll(dir, names.filter((name) => name.startsWith('.')));
    const reading = mapWithConcurrency(names.map((_, i) => i), this.options.scanConcurrency, async (i) => {
      await letEventLoopTurn();
      const name = names[i]!;
      if (name.startsWith('.')) return;
      const mac = macFromFileName(name);
      if (mac === null) {
        skipped.push({ filename: name, reason: 'the name is not a canonical <mac>.json such as aa-bb-cc-dd-ee-ff.json' });
        return;
      }
      let state: FileState | null;
      try {
        state = await files.load(mac);
      } catch (error) {
        const code = errorCode(error);
        // A transient error must fail the list, never shorten it.
        if (code === undefined || TRANSIENT_CODES.has(code)) throw storageFailure(error, dir, 'read the config files');
        state = unusableFile('', code === 'EACCES' || code === 'EPERM' ? UNREADABLE_FILE : `the file cannot be read (${code})`);
      }
      if (state !== null) states[i] = state;
    });
    const [read] = await Promise.allSettled([reading, cleaning]);
    if (read.status === 'rejected') throw read.reason instanceof AppError ? read.reason : storageFailure(read.reason, dir, 'read the config files');
    if (this.closed) return;

    const index = this.indexIfChanged(names, states, startSeq);
    const changedHere = new Set(this.localChanges.filter((change) => change.seq > startSeq).map((change) => change.mac));
    this.localChanges = [];
    if (index !== null) {
      this.reportChanges(this.index, index, changedHere, this.scannedAt === -Infinity);
      files.keepOnly(index);
      this.index = index;
      this.sortedMacs = null;
    }
    this.warnAboutSkipped(this.index, skipped);
    skipped.sort(byFilename);
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
   * index already. Most scans find nothing changed, and a new map for each
   * of them would fill the heap's old generation (see docs/adr/0006-list-index.md).
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

  private reportChanges(before: Map<string, FileState>, after: Map<string, FileState>, changedHere: Set<string>, initial: boolean): void {
    const report = this.options.onFilesChanged;
    if (report === undefined) return;
    const changes: FileChange[] = [];
    for (const [mac, state] of after) if (!changedHere.has(mac) && !sameFileState(before.get(mac), state)) changes.push({ mac, state });
    for (const mac of before.keys()) if (!changedHere.has(mac) && !after.has(mac)) changes.push({ mac, state: null });
    if (changes.length > 0) report(changes, initial);
  }

  private warnAboutSkipped(index: Map<string, FileState>, skipped: SkippedFile[]): void {
    const now = new Map<string, string>(skipped.map((s) => [s.filename, s.reason]));
    for (const [mac, state] of index) if (state.problem !== null) now.set(configFileName(mac), state.problem);
    for (const [filename, reason] of now) {
      if (this.warnedSkips.get(filename) !== reason) this.options.logger.warn({ filename, reason }, `Skipping ${filename} in the config list: ${reason}`);
    }
    this.warnedSkips.clear();
    for (const [filename, reason] of now) this.warnedSkips.set(filename, reason);
  }

  /** Forgets the directory's files, and makes the next list scan before it answers: an emptied index is never served. */
  private reset(): void {
    this.index = new Map();
    this.sortedMacs = null;
    this.skippedNames = [];
    this.options.files.keepOnly(this.index);
    this.scannedAt = -Infinity;
    this.version++;
    this.sortedListing = null;
  }
}
