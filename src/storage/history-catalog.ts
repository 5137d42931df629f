import { compareByTime, isTombstone, type HistoryOperation, type VersionMeta } from '../domain/history-version.js';
import { lastBefore, Timeline } from './history-timeline.js';

export interface AuditQuery {
  mac?: string;
  actor?: string;
  operation?: HistoryOperation;
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  /** Milliseconds since the epoch, exclusive. */
  until?: number;
  limit: number;
  /** The last entry of the previous page: the page holds what comes after it, newest first. */
  after?: { at: number; mac: string; version: number };
}

export interface AuditPage {
  entries: VersionMeta[];
  /** Whether more entries match after the last one. */
  more: boolean;
}

/**
 * Every version of every config, in memory, as the version files' names
 * describe them: per MAC in version order, and in time order for the
 * fleet's audit log, in one timeline and in one per actor and per
 * operation, so that a filter on either reads only what it may match.
 * Versions dropped from a MAC are only marked in the timelines, and swept
 * once they are a quarter of them, so that pruning one version never costs a
 * pass over a large fleet's history.
 */
export class HistoryCatalog {
  private readonly byMac = new Map<string, VersionMeta[]>();
  private readonly all = new Timeline();
  private readonly byActor = new Map<string | null, Timeline>();
  private readonly byOperation = new Map<HistoryOperation, Timeline>();
  private readonly dropped = new Set<VersionMeta>();
  private bytes = 0;

  /** Total size of the versions' bytes. */
  get totalBytes(): number {
    return this.bytes;
  }

  /** The MACs with versions. */
  macs(): string[] {
    return [...this.byMac.keys()];
  }

  /** The versions of `mac` in version order (empty when none). */
  versionsOf(mac: string): readonly VersionMeta[] {
    return this.byMac.get(mac) ?? [];
  }

  /** The newest version of `mac`, if any. */
  head(mac: string): VersionMeta | undefined {
    const versions = this.byMac.get(mac);
    return versions?.[versions.length - 1];
  }

  /** Takes in a whole load of the history at once: one sort per timeline instead of one insertion per version. */
  load(perMac: ReadonlyMap<string, VersionMeta[]>): void {
    const added: VersionMeta[] = [];
    for (const [mac, versions] of perMac) {
      for (const old of this.byMac.get(mac) ?? []) this.drop(old);
      this.byMac.set(mac, versions);
      for (const meta of versions) {
        added.push(meta);
        this.bytes += meta.size;
      }
    }
    this.sweep();
    this.all.insertAll(added);
    const byActor = new Map<string | null, VersionMeta[]>();
    const byOperation = new Map<HistoryOperation, VersionMeta[]>();
    for (const meta of added) {
      listIn(byActor, meta.actor).push(meta);
      listIn(byOperation, meta.operation).push(meta);
    }
    for (const [actor, metas] of byActor) timelineIn(this.byActor, actor).insertAll(metas);
    for (const [operation, metas] of byOperation) timelineIn(this.byOperation, operation).insertAll(metas);
  }

  /** Makes the versions of `mac` what is on disk now (as one directory listing found them, in version order). */
  replace(mac: string, versions: VersionMeta[]): void {
    // The versions already held come back as the same objects (see HistoryFolders.list).
    const known = new Set(this.byMac.get(mac));
    const kept: VersionMeta[] = [];
    for (const meta of versions) {
      if (!known.delete(meta)) this.insert(meta);
      kept.push(meta);
    }
    for (const gone of known) this.drop(gone);
    if (kept.length === 0) this.byMac.delete(mac);
    else this.byMac.set(mac, kept);
    this.sweepIfWorthIt();
  }

  /** Adds a version this process has just written. */
  add(meta: VersionMeta): void {
    const versions = this.byMac.get(meta.mac);
    if (versions === undefined) this.byMac.set(meta.mac, [meta]);
    else versions.push(meta);
    this.insert(meta);
  }

  /** Forgets versions this process has just removed. */
  remove(mac: string, removed: readonly VersionMeta[]): void {
    const gone = new Set(removed);
    this.replace(mac, (this.byMac.get(mac) ?? []).filter((meta) => !gone.has(meta)));
  }

  /** Configs whose newest version is a delete (by the API or by hand), most recently deleted first. */
  deleted(): VersionMeta[] {
    const heads: VersionMeta[] = [];
    for (const versions of this.byMac.values()) {
      const head = versions[versions.length - 1]!;
      if (isTombstone(head) && head.operation !== 'rename_from') heads.push(head);
    }
    return heads.sort((a, b) => compareByTime(b, a));
  }

  /** A page of the fleet's changes matching `query`, newest first. */
  audit(query: AuditQuery): AuditPage {
    const source = this.sourceFor(query);
    let i = source.length - 1;
    if (query.after !== undefined) i = lastBefore(source, query.after);
    else if (query.until !== undefined) i = lastBefore(source, { at: query.until, mac: '', version: 0 });
    const entries: VersionMeta[] = [];
    const { since = -Infinity, until = Infinity, actor, operation } = query;
    const anyDropped = this.dropped.size > 0;
    for (; i >= 0; i--) {
      const meta = source[i]!;
      if (meta.at < since) break;
      if (meta.at >= until || (actor !== undefined && meta.actor !== actor) || (operation !== undefined && meta.operation !== operation)) continue;
      if (anyDropped && this.dropped.has(meta)) continue;
      if (entries.length === query.limit) return { entries, more: true };
      entries.push(meta);
    }
    return { entries, more: false };
  }

  /** The smallest list in time order that holds every version `query` may match. */
  private sourceFor(query: AuditQuery): readonly VersionMeta[] {
    if (query.mac !== undefined) return this.versionsOf(query.mac);
    const candidates = [this.all.entries];
    if (query.actor !== undefined) candidates.push(this.byActor.get(query.actor)?.entries ?? []);
    if (query.operation !== undefined) candidates.push(this.byOperation.get(query.operation)?.entries ?? []);
    return candidates.reduce((smallest, each) => (each.length < smallest.length ? each : smallest));
  }

  private insert(meta: VersionMeta): void {
    this.bytes += meta.size;
    this.all.insert(meta);
    timelineIn(this.byActor, meta.actor).insert(meta);
    timelineIn(this.byOperation, meta.operation).insert(meta);
  }

  private drop(meta: VersionMeta): void {
    this.dropped.add(meta);
    this.bytes -= meta.size;
  }

  private sweepIfWorthIt(): void {
    if (this.dropped.size > 1000 && this.dropped.size * 4 > this.all.entries.length) this.sweep();
  }

  private sweep(): void {
    if (this.dropped.size === 0) return;
    for (const timeline of [this.all, ...this.byActor.values(), ...this.byOperation.values()]) timeline.sweep(this.dropped);
    this.dropped.clear();
  }
}

function listIn<K>(lists: Map<K, VersionMeta[]>, key: K): VersionMeta[] {
  let list = lists.get(key);
  if (list === undefined) lists.set(key, (list = []));
  return list;
}

function timelineIn<K>(timelines: Map<K, Timeline>, key: K): Timeline {
  let timeline = timelines.get(key);
  if (timeline === undefined) timelines.set(key, (timeline = new Timeline()));
  return timeline;
}
