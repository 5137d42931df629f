import { compareByTime, type VersionMeta } from '../domain/history-version.js';

/**
 * Versions in time order (see compareByTime). Versions are made now, so a
 * new one is appended; one seen late (another replica's) is put in its
 * place. Removed versions are filtered out by {@link sweep}.
 */
export class Timeline {
  entries: VersionMeta[] = [];

  insert(meta: VersionMeta): void {
    const last = this.entries[this.entries.length - 1];
    if (last === undefined || compareByTime(last, meta) <= 0) this.entries.push(meta);
    else this.entries.splice(lastBefore(this.entries, meta) + 1, 0, meta);
  }

  /** Adds many versions at once: one sort instead of an insertion each. */
  insertAll(metas: readonly VersionMeta[]): void {
    for (const meta of metas) this.entries.push(meta);
    this.entries.sort(compareByTime);
  }

  sweep(dropped: ReadonlySet<VersionMeta>): void {
    this.entries = this.entries.filter((meta) => !dropped.has(meta));
  }
}

/** Index of the last entry of `sorted` (in time order) that comes before `point`, or -1. */
export function lastBefore(sorted: readonly VersionMeta[], point: Pick<VersionMeta, 'at' | 'mac' | 'version'>): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareByTime(sorted[mid]!, point as VersionMeta) < 0) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}
