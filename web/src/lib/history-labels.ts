import type { HistoryOperation } from '../api/client.js';

const OPERATION_LABELS: Record<HistoryOperation, string> = {
  create: 'Created',
  update: 'Updated',
  delete: 'Deleted',
  rename_from: 'Renamed away',
  rename_to: 'Renamed here',
  restore: 'Restored',
  external: 'Changed on disk',
  import: 'Imported',
};

/** Every operation, in the schema's order; taken from the labels, as a value import of the schema would bundle TypeBox. */
export const HISTORY_OPERATIONS = Object.keys(OPERATION_LABELS) as HistoryOperation[];

/** What made a version, in words. */
export function operationLabel(operation: HistoryOperation): string {
  return OPERATION_LABELS[operation];
}

/** Who made a change; a change found in the directory has no actor. */
export function actorLabel(actor: string | null): string {
  return actor ?? 'found on disk';
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago"; past a week, the date. */
export function relativeTime(at: string, now: Date = new Date()): string {
  const then = new Date(at);
  const elapsed = now.getTime() - then.getTime();
  if (Number.isNaN(elapsed)) return at;
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  if (elapsed < 2 * DAY) return 'yesterday';
  if (elapsed < 7 * DAY) return `${Math.floor(elapsed / DAY)} days ago`;
  return then.toISOString().slice(0, 10);
}

/** The exact time, for a tooltip-free second line or a title: "2026-12-07 20:51:03 UTC". */
export function exactTime(at: string): string {
  const then = new Date(at);
  if (Number.isNaN(then.getTime())) return at;
  return `${then.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

interface VersionLike {
  version: number;
  etag: string | null;
}

/** The newest version older than `version` that holds a config (not a tombstone), from a newest-first list. */
export function restorableBefore<T extends VersionLike>(versions: readonly T[], version: number): T | undefined {
  return versions.find((entry) => entry.version < version && entry.etag !== null);
}

/**
 * What Undo restores after a save that produced `savedEtag`: the newest restorable version before the saved one.
 * Undefined when the saved version is not in the list or nothing came before it.
 */
export function undoTarget<T extends VersionLike>(versions: readonly T[], savedEtag: string): T | undefined {
  const saved = versions.find((entry) => entry.etag === savedEtag);
  return saved ? restorableBefore(versions, saved.version) : undefined;
}
