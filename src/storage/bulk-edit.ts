import { parse, stringify } from 'lossless-json';
import { AppError, PreconditionFailed } from '../domain/errors.js';
import { EditNotApplicable, jsonChanges, mergePatch, setAtPath, unsetAtPath, isJsonObject, type JsonChange, type JsonObject, type PathStep } from '../domain/json-edit.js';
import { formatJsonText } from '../domain/json-text.js';
import type { ConfigStore } from './config-store.js';
import { keptText } from './kept-bytes.js';
import { mapWithConcurrency } from './map-with-concurrency.js';

/** One edit applied to every config of a bulk edit. */
export type BulkChange =
  | { kind: 'patch'; patch: JsonObject }
  | { kind: 'paths'; set: { steps: PathStep[]; value: unknown }[]; unset: PathStep[][] };

export interface BulkEdit {
  /** Canonical MACs, distinct, in the order the answer keeps. */
  macs: string[];
  change: BulkChange;
  /** ETags the configs must still have (those a preview answered); a config whose ETag differs is left alone. */
  ifMatch: ReadonlyMap<string, string>;
  dryRun: boolean;
  actor: string | null;
}

export type BulkStatus = 'saved' | 'unchanged' | 'conflict' | 'not_found' | 'failed';

export interface BulkResult {
  mac_address: string;
  status: BulkStatus;
  etag: string | null;
  diff?: JsonChange[];
  error?: string;
  /** The error's code when a write was refused (SCHEMA_VIOLATION...), for the metrics. */
  code?: string;
}

/** Saves in flight at once: enough to overlap the fsyncs, few enough to leave the disk to other requests. */
const WRITE_CONCURRENCY = 32;
/** Times a config changed by someone else between its read and its save is read and edited again. */
const ATTEMPTS = 3;

/** The config bytes after `change`, as a save stores them, and what changed; throws EditNotApplicable. */
export function editedConfig(bytes: Buffer, change: BulkChange): { bytes: Buffer; changes: JsonChange[] } {
  const text = bytes.toString('utf8');
  let before: unknown;
  try {
    before = parse(text);
  } catch (error) {
    // The stored text is valid JSON (it is listed), so this is a key given twice, which an edit would lose.
    throw new EditNotApplicable(`the config cannot be edited in bulk: ${(error as Error).message}`);
  }
  if (!isJsonObject(before)) throw new EditNotApplicable('the config is not a JSON object');
  let after: unknown;
  if (change.kind === 'patch') {
    after = mergePatch(before, change.patch);
  } else {
    const edited = parse(text) as JsonObject;
    // A copy per config: a later step must not change the value that other configs receive.
    for (const { steps, value } of change.set) setAtPath(edited, steps, structuredClone(value));
    for (const steps of change.unset) unsetAtPath(edited, steps);
    after = edited;
  }
  const changes = jsonChanges(before, after);
  // Formatted as a save formats a body: 2-space indent, keys in order, numbers as written.
  const formatted = formatJsonText(stringify(after) ?? 'null');
  return { bytes: keptText(`${formatted}\n`), changes };
}

/**
 * Applies one change to many configs, each through the store's save (its
 * lock, If-Match, schema check, history version and change notification),
 * a few at a time. Each config succeeds or fails on its own; the answer
 * keeps the order of `edit.macs`.
 */
export async function runBulkEdit(store: ConfigStore, edit: BulkEdit, logUnexpected: (error: unknown, mac: string) => void): Promise<BulkResult[]> {
  const results = new Array<BulkResult>(edit.macs.length);
  await mapWithConcurrency(edit.macs.map((_, i) => i), WRITE_CONCURRENCY, async (i) => {
    const mac = edit.macs[i]!;
    try {
      results[i] = await editOne(store, mac, edit);
    } catch (error) {
      if (!(error instanceof AppError)) logUnexpected(error, mac);
      results[i] = failure(mac, null, error);
    }
  });
  return results;
}

async function editOne(store: ConfigStore, mac: string, edit: BulkEdit): Promise<BulkResult> {
  const expected = edit.ifMatch.get(mac);
  for (let attempt = 1; ; attempt++) {
    const current = await store.stateOf(mac);
    if (current === null) return { mac_address: mac, status: 'not_found', etag: null };
    if (current.etag === null || current.summary === null) return { mac_address: mac, status: 'failed', etag: current.etag, error: `the stored file is not a usable config: ${current.problem ?? 'unusable'}` };
    if (expected !== undefined && expected !== current.etag) return { mac_address: mac, status: 'conflict', etag: current.etag, error: 'the config changed since the given ETag' };
    let edited;
    try {
      edited = editedConfig(current.bytes, edit.change);
    } catch (error) {
      if (error instanceof EditNotApplicable) return { mac_address: mac, status: 'failed', etag: current.etag, error: error.message };
      throw error;
    }
    const diff = edit.dryRun ? { diff: edited.changes } : {};
    if (edited.changes.length === 0) return { mac_address: mac, status: 'unchanged', etag: current.etag, ...diff };
    try {
      if (edit.dryRun) {
        await store.validation.check(mac, edited.bytes);
        return { mac_address: mac, status: 'saved', etag: current.etag, ...diff };
      }
      const { document } = await store.save(mac, edited.bytes, { ifMatch: [current.etag] }, { actor: edit.actor });
      return { mac_address: mac, status: 'saved', etag: document.etag };
    } catch (error) {
      // Changed by another writer since it was read: the edit is relative, so it is made again on the new content.
      if (error instanceof PreconditionFailed) {
        if (expected !== undefined) return { mac_address: mac, status: 'conflict', etag: (error.details.current_etag as string | null) ?? null, error: 'the config changed since the given ETag' };
        if (attempt < ATTEMPTS) continue;
      }
      if (!(error instanceof AppError)) throw error;
      return { ...failure(mac, current.etag, error), ...diff };
    }
  }
}

function failure(mac: string, etag: string | null, error: unknown): BulkResult {
  if (error instanceof AppError) return { mac_address: mac, status: 'failed', etag, error: error.message, code: error.code };
  return { mac_address: mac, status: 'failed', etag, error: 'an unexpected failure; see the service log', code: 'INTERNAL_ERROR' };
}
