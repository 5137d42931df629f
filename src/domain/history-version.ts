/** What made a version of a config (see docs/history.md). */
export type HistoryOperation = 'create' | 'update' | 'delete' | 'rename_from' | 'rename_to' | 'restore' | 'external' | 'import';

const OPERATION_NAMES: ReadonlyMap<string, HistoryOperation> = new Map(
  (['create', 'update', 'delete', 'rename_from', 'rename_to', 'restore', 'external', 'import'] as const).map((name) => [name, name]),
);

/** Everything known of a version but its bytes; all of it is in the version file's name. */
export interface VersionMeta {
  mac: string;
  version: number;
  /** Milliseconds since the epoch. */
  at: number;
  operation: HistoryOperation;
  actor: string | null;
  /** The config's ETag after the change; null for a tombstone. */
  etag: string | null;
  size: number;
  restoredFrom: number | null;
  /** The save was made with `?validate=false`: the config was not checked against its schema. */
  validationSkipped: boolean;
}

/** Longest actor kept, in characters; fewer when they are not ASCII, as the encoded actor must fit in a file name. */
export const MAX_ACTOR_LENGTH = 64;
const MAX_ENCODED_ACTOR_LENGTH = 150;

/** An actor as it is kept: control characters dropped, at most {@link MAX_ACTOR_LENGTH} characters and 150 once percent-encoded. */
export function normaliseActor(actor: string): string {
  // eslint-disable-next-line no-control-regex
  const characters = [...actor.replace(/[\u0000-\u001f\u007f]/g, '').trim()].slice(0, MAX_ACTOR_LENGTH);
  let kept = '';
  let encodedLength = 0;
  for (const character of characters) {
    encodedLength += encodeURIComponent(character).length;
    if (encodedLength > MAX_ENCODED_ACTOR_LENGTH) break;
    kept += character;
  }
  return kept.trim();
}

/** A tombstone records that the config is gone from this MAC: a delete, a move away, or a file removed by hand. */
export function isTombstone(meta: Pick<VersionMeta, 'etag'>): boolean {
  return meta.etag === null;
}

const ETAG = /^"([A-Za-z0-9_-]{32})"$/;
const NAME =
  /^(\d{10})\.(\d{1,15})\.([a-z_]+)(\+unvalidated)?\.(\d{1,10})\.(\d{1,12})\.([A-Za-z0-9_-]{32}|-)\.(.*)\.json$/;

/**
 * The version file's name: every field of the version, so that reading a
 * directory is enough to know a config's whole history. The version comes
 * first, zero-padded, so that `ls` lists versions in order; the actor comes
 * last, percent-encoded, as it is the only free text.
 */
export function versionFileName(meta: Omit<VersionMeta, 'mac'>): string {
  const etag = meta.etag === null ? '-' : ETAG.exec(meta.etag)?.[1];
  if (etag === undefined) throw new Error(`Not a config ETag: ${meta.etag}`);
  const operation = meta.validationSkipped ? `${meta.operation}+unvalidated` : meta.operation;
  const fields = [String(meta.version).padStart(10, '0'), meta.at, operation, meta.restoredFrom ?? 0, meta.size, etag];
  return `${fields.join('.')}.${meta.actor === null ? '' : encodeURIComponent(meta.actor)}.json`;
}

/** The version a file name describes, or null when it is not a version file's name. */
export function parseVersionFileName(mac: string, name: string): VersionMeta | null {
  const match = NAME.exec(name);
  if (match === null || !OPERATION_NAMES.has(match[3]!)) return null;
  let actor: string | null = null;
  if (match[8] !== '') {
    try {
      actor = decodeURIComponent(match[8]!);
    } catch {
      return null;
    }
  }
  const restoredFrom = Number(match[5]);
  return {
    mac,
    version: Number(match[1]),
    at: Number(match[2]),
    // The constant, not the slice of the name: a large history holds one string per operation, not one per version.
    operation: OPERATION_NAMES.get(match[3]!)!,
    restoredFrom: restoredFrom === 0 ? null : restoredFrom,
    size: Number(match[6]),
    // Joined into a string of its own: a template would keep the whole file name alive for each version held.
    etag: match[7] === '-' ? null : ['"', match[7], '"'].join(''),
    actor,
    validationSkipped: match[4] !== undefined,
  };
}

/** Orders versions by time, then MAC and version, so that two replicas' changes at one millisecond keep one order. */
export function compareByTime(a: VersionMeta, b: VersionMeta): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.mac !== b.mac) return a.mac < b.mac ? -1 : 1;
  return a.version - b.version;
}

/**
 * The versions of one MAC to drop: beyond the newest `limit`, and those older
 * than `maxAgeMs` beyond the newest `keepNewest`. `versions` are in version order.
 */
export function versionsToPrune(versions: readonly VersionMeta[], limit: number, maxAgeMs: number, now: number, keepNewest = 10): VersionMeta[] {
  const drop: VersionMeta[] = [];
  const count = versions.length;
  for (let i = 0; i < count; i++) {
    const fromNewest = count - 1 - i;
    if (fromNewest >= limit || (fromNewest >= keepNewest && now - versions[i]!.at > maxAgeMs)) drop.push(versions[i]!);
  }
  return drop;
}
