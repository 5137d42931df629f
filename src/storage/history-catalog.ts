import { compareByTime, isTombstone, type HistoryOperation, type VersionMeta } from '../domain/history-version.js';

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
 * describe them: per MAC in version order, and in one timeline in time order
 * for the fleet's audit log. Versions dropped from a MAC are only marked in
 * the timeline, and swept once they are a quarter of it, so that pruning one
 * version never costs a pass over a large fleet's history.
 */
export class HistoryCatalog {
  private readonly byMac = new Map<string, VersionMeta[]>();
  private timeline: VersionMeta[] = [];
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

  /** Takes in a whole load of the history at once: one sort instead of one insertion per version. */
  load(perMac: ReadonlyMap<string, VersionMeta[]>): void {
    for (const [mac, versions] of perMac) {
      for (const old of this.byMac.get(mac) ?? []) this.drop(old);
      this.byMac.set(mac, versions);
      for (const meta of versions) {
        this.timeline.push(meta);
        this.bytes += meta.size;
      }
    }
    this.sweep();
    this.timeline.sort(compareByTime);
  }

  /** Makes the versions of `mac` what is on disk now (as one directory listing found them, in version order). */
  replace(mac: string, versions: VersionMeta[]): void {
    const known = new Map((this.byMac.get(mac) ?? []).map((meta) => [keyOf(meta), meta]));
    const kept: VersionMeta[] = [];
    for (const meta of versions) {
      const same = known.get(keyOf(meta));
      if (same !== undefined) {
        known.delete(keyOf(meta));
        kept.push(same);
      } else {
        kept.push(meta);
        this.insert(meta);
      }
    }
    for (const gone of known.values()) this.drop(gone);
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
    const gone = new Set(removed.map(keyOf));
    this.replace(mac, (this.byMac.get(mac) ?? []).filter((meta) => !gone.has(keyOf(meta))));
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
    const source = query.mac === undefined ? this.timeline : this.versionsOf(query.mac);
    let i = source.length - 1;
    if (query.after !== undefined) i = lastBefore(source, query.after);
    else if (query.until !== undefined) i = lastBefore(source, { at: query.until, mac: '', version: 0 });
    const entries: VersionMeta[] = [];
    const { since = -Infinity, until = Infinity, actor, operation } = query;
    // A filter that matches little reads the whole timeline: the loop stays to plain comparisons.
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

  private insert(meta: VersionMeta): void {
    this.bytes += meta.size;
    const last = this.timeline[this.timeline.length - 1];
    // Versions are made now: appending is the rule, and another replica's version seen late the exception.
    if (last === undefined || compareByTime(last, meta) <= 0) this.timeline.push(meta);
    else this.timeline.splice(lastBefore(this.timeline, meta) + 1, 0, meta);
  }

  private drop(meta: VersionMeta): void {
    this.dropped.add(meta);
    this.bytes -= meta.size;
  }

  private sweepIfWorthIt(): void {
    if (this.dropped.size > 1000 && this.dropped.size * 4 > this.timeline.length) this.sweep();
  }

  private sweep(): void {
    if (this.dropped.size === 0) return;
    this.timeline = this.timeline.filter((meta) => !this.dropped.has(meta));
    this.dropped.clear();
  }
}

/** Identifies one version file: a version number taken twice (a broken lock) still gives two entries. */
function keyOf(meta: VersionMeta): string {
  return `${meta.version}.${meta.at}`;
}

/** Index of the last entry of `sorted` (in time order) that comes before `point`, or -1. */
function lastBefore(sorted: readonly VersionMeta[], point: Pick<VersionMeta, 'at' | 'mac' | 'version'>): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareByTime(sorted[mid]!, point as VersionMeta) < 0) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}
