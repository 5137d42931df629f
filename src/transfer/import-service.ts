import { parseMac } from '../domain/mac.js';
import type { ConfigStore } from '../storage/config-store.js';
import { readArchive } from './archive-reader.js';
import { planImport, sortEntries, type ImportMode, type ImportReport } from './import-plan.js';
import { applyImport, assertConfirmed } from './import-runner.js';

export interface ImportRequest {
  dryRun: boolean;
  mode: ImportMode;
  confirm: number | undefined;
  ifUnchangedSince: number | undefined;
  ifMatchManifest: boolean;
  maxImportBytes: number;
  actor: string | null;
  /** On a dry run: the MAC whose stored and archive texts to add, for a diff. */
  diff?: string;
}

/** Both sides of one update, as text, for the UI's diff. */
export interface ImportDiff {
  mac_address: string;
  current_text: string | null;
  archive_text: string | null;
}

/**
 * Imports an archive: reads it (refusing a hostile one whole), plans against the configs as they are, and,
 * unless it is a dry run, applies the plan. Nothing is written before the archive has been read to its end.
 */
export async function runImport(store: ConfigStore, body: Buffer, request: ImportRequest): Promise<{ dry_run: boolean; mode: ImportMode; diff?: ImportDiff } & ImportReport> {
  const files = await readArchive(body, { maxTotalBytes: request.maxImportBytes, maxEntryBytes: store.maxFileBytes });
  const entries = sortEntries(files, store.maxFileBytes);
  const plan = await planImport(store, entries, { mode: request.mode, ifUnchangedSince: request.ifUnchangedSince, ifMatchManifest: request.ifMatchManifest });
  const head = { dry_run: request.dryRun, mode: request.mode };
  if (request.dryRun && request.diff !== undefined) {
    const mac = parseMac(request.diff, 'diff');
    const current = await store.stateOf(mac);
    const archived = entries.configs.get(mac);
    const diff = { mac_address: mac, current_text: current === null ? null : current.bytes.toString('utf8'), archive_text: archived === undefined ? null : archived.bytes.toString('utf8') };
    return { ...head, ...plan.report, diff };
  }
  if (request.dryRun) return { ...head, ...plan.report };
  assertConfirmed(plan, request.confirm);
  return { ...head, ...(await applyImport(store, plan, request.actor)) };
}
