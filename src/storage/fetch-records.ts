import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { mergeRecords, recordFetch, type FetchRecord, type FetchResult } from '../domain/sync-state.js';
import { PROCESS_IDENTITY, writeFileAtomically } from './atomic-file.js';
import { parseFetchRecords, replicaFileId, serialiseFetchRecords } from './fetch-record-files.js';
import { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';
import { STATE_DIR_NAME, stateSubdirectory } from './state-directory.js';

export interface FetchRecordsOptions {
  dir: string;
  logger: FastifyBaseLogger;
  /** This replica's records are written at most this often. */
  flushMs?: number;
  /** Other replicas' files are looked at this often. */
  pollMs?: number;
  /** A replica's file not written for this long is removed: the replica is gone. */
  pruneAfterMs?: number;
  io?: FsCalls;
  /** MACs recorded at most: fetches of random MACs (404s) must not grow the memory and the files without end. */
  maxRecords?: number;
}

const FETCHES = 'fetches';
const DAY_MS = 86_400_000;

interface ReplicaFile {
  /** Stat of the file when read, so an unchanged file is not read again. */
  statKey: string;
  records: Map<string, FetchRecord>;
}

/**
 * Every device fetch, per MAC, merged over the replicas that share the
 * directory. A fetch is an in-memory update only; this replica's records
 * are written to its own file under `.iot-config/fetches/` at most every
 * `flushMs`, and the other replicas' files (a previous run of this process
 * among them) are read when their stat changes (docs/device-sync.md).
 */
export class FetchRecords {
  /** New for each instance (two apps in one process are two replicas); a previous run's file is another replica's. */
  readonly replicaId = replicaFileId(PROCESS_IDENTITY.host, PROCESS_IDENTITY.pid, randomBytes(6).toString('hex'));
  /** Changes whenever a merged record does: a cache key for what is derived from them. */
  version = 0;
  private readonly own = new Map<string, FetchRecord>();
  private readonly others = new Map<string, ReplicaFile>();
  private readonly merged = new Map<string, FetchRecord>();
  private readonly listeners = new Set<() => void>();
  private readonly io: FsCalls;
  private readonly flushMs: number;
  private readonly pollMs: number;
  private readonly pruneAfterMs: number;
  private dirty = false;
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | null = null;
  private polling: Promise<void> | null = null;
  private readonly warnedFiles = new Set<string>();
  private readonly maxRecords: number;
  private warnedFull = false;

  constructor(private readonly options: FetchRecordsOptions) {
    this.io = options.io ?? new FsCalls();
    this.flushMs = options.flushMs ?? 5_000;
    this.pollMs = options.pollMs ?? 2_000;
    this.pruneAfterMs = options.pruneAfterMs ?? 30 * DAY_MS;
    this.maxRecords = options.maxRecords ?? 100_000;
  }

  /** Records one fetch answered with `result`; `etag` is the one sent or proven (null for a 404). Never waits, never writes. */
  record(mac: string, result: FetchResult, etag: string | null, client: string, userAgent: string | null): void {
    if (this.merged.size >= this.maxRecords && !this.merged.has(mac)) {
      if (!this.warnedFull) this.options.logger.warn({ maxRecords: this.maxRecords }, 'Device fetch records are full: fetches of new MACs are not recorded');
      this.warnedFull = true;
      return;
    }
    const merged = recordFetch(this.merged.get(mac), result, etag, Date.now(), client, userAgent);
    this.merged.set(mac, merged);
    this.own.set(mac, { ...merged, count: (this.own.get(mac)?.count ?? 0) + 1 });
    this.dirty = true;
    this.changed();
  }

  /** The merged record of `mac`, if it ever fetched. */
  get(mac: string): FetchRecord | undefined {
    return this.merged.get(mac);
  }

  /** Every merged record, by MAC. */
  all(): ReadonlyMap<string, FetchRecord> {
    return this.merged;
  }

  /** `listener` is called (synchronously, so it must be cheap) whenever a merged record changes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flushes and polls on timers from now on; resolves once the files on disk are loaded. */
  start(): Promise<void> {
    const every = (ms: number, run: () => Promise<void>) => {
      const timer = setInterval(() => void run(), ms);
      // Nothing here may keep the process alive: close() flushes what is left.
      timer.unref();
      this.timers.push(timer);
    };
    every(this.flushMs, () => this.flush());
    every(this.pollMs, () => this.poll());
    return this.poll();
  }

  /** Stops the timers and writes what is not written yet. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.polling;
    await this.flush();
  }

  /** Writes this replica's records if they changed since the last write; a failure is logged and retried on the next turn. */
  flush(): Promise<void> {
    this.flushing ??= this.writeOwnFile().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Reads the other replicas' files that changed, and removes those of replicas gone for good. */
  poll(): Promise<void> {
    this.polling ??= this.readOtherFiles().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  private async writeOwnFile(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      const folder = await stateSubdirectory(this.options.dir, FETCHES);
      await writeFileAtomically(this.options.dir, `${this.replicaId}.json`, serialiseFetchRecords(this.replicaId, this.own, Date.now()), this.io, folder);
    } catch (error) {
      this.dirty = true;
      this.options.logger.warn({ err: error }, 'Could not write the device fetch records; retrying');
    }
  }

  private async readOtherFiles(): Promise<void> {
    const dir = path.join(this.options.dir, STATE_DIR_NAME, FETCHES);
    let names: string[];
    try {
      names = (await fs.readdir(dir)).filter((name) => name.endsWith('.json') && name !== `${this.replicaId}.json`);
    } catch (error) {
      // No replica has written yet, or the volume is away (the store reports that).
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') this.options.logger.warn({ err: error }, 'Could not list the device fetch records');
      return;
    }
    const touched = new Set<string>();
    const seen = new Set<string>();
    for (const name of names) {
      const replica = name.slice(0, -'.json'.length);
      seen.add(replica);
      await this.readOtherFile(path.join(dir, name), replica, touched).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return;
        if (!this.warnedFiles.has(name)) this.options.logger.warn({ err: error, file: name }, 'Skipping an unreadable file of device fetch records');
        this.warnedFiles.add(name);
      });
    }
    for (const [replica, file] of this.others) {
      if (seen.has(replica)) continue;
      this.others.delete(replica);
      for (const mac of file.records.keys()) touched.add(mac);
    }
    this.remerge(touched);
  }

  private async readOtherFile(file: string, replica: string, touched: Set<string>): Promise<void> {
    const stat = await fs.stat(file, { bigint: true });
    const statKey = `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
    const known = this.others.get(replica);
    if (known?.statKey === statKey) return;
    if (Date.now() - Number(stat.mtimeMs) > this.pruneAfterMs) {
      await fs.unlink(file);
      this.options.logger.info({ replica }, 'Removed the device fetch records of a replica gone for 30 days');
      return;
    }
    // Kept under its stat key even when unparsable, so a bad file is not read again until it changes.
    let records = new Map<string, FetchRecord>();
    try {
      records = parseFetchRecords(await fs.readFile(file, 'utf8'));
    } finally {
      this.others.set(replica, { statKey, records });
      for (const mac of known?.records.keys() ?? []) touched.add(mac);
      for (const mac of records.keys()) touched.add(mac);
    }
  }

  /** Recomputes the merged records of `macs` from this replica's and the others'. */
  private remerge(macs: Set<string>): void {
    let changed = false;
    for (const mac of macs) {
      const parts: FetchRecord[] = [];
      const own = this.own.get(mac);
      if (own !== undefined) parts.push(own);
      for (const file of this.others.values()) {
        const record = file.records.get(mac);
        if (record !== undefined) parts.push(record);
      }
      const next = mergeRecords(parts);
      const previous = this.merged.get(mac);
      if (next === undefined) this.merged.delete(mac);
      else if (previous === undefined || !sameRecord(previous, next)) this.merged.set(mac, next);
      else continue;
      changed = true;
    }
    if (changed) this.changed();
  }
}

function sameRecord(a: FetchRecord, b: FetchRecord): boolean {
  return (
    a.lastFetchAt === b.lastFetchAt &&
    a.etag === b.etag &&
    a.lastChangedFetchAt === b.lastChangedFetchAt &&
    a.client === b.client &&
    a.userAgent === b.userAgent &&
    a.count === b.count &&
    a.lastResult === b.lastResult
  );
}
