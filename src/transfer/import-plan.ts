import fs from 'node:fs/promises';
import path from 'node:path';
import { inspectConfig, type StoredConfig } from '../domain/config-document.js';
import { ArchiveRefused, InvalidOperation, StorageUnavailable } from '../domain/errors.js';
import { configFileName, macFromFileName } from '../domain/mac.js';
import type { ConfigStore } from '../storage/config-store.js';
import type { ValidationResult } from '../storage/config-validation.js';
import { errorCode, storageFailure } from '../storage/fs-errors.js';
import { mapWithConcurrency } from '../storage/map-with-concurrency.js';
import type { ArchiveFile } from './archive-reader.js';
import { inSection, macOfEntry, MANIFEST_NAME } from './archive-layout.js';

export type ImportMode = 'merge' | 'replace';

export interface ImportOptions {
  mode: ImportMode;
  /** A config whose last change is after this time (ms since the epoch) is a conflict. */
  ifUnchangedSince?: number;
  /** A config whose ETag is not the one the archive's manifest records is a conflict. */
  ifMatchManifest?: boolean;
}

/** What an import would do (a dry run) or did: the answer of both. */
export interface ImportReport {
  create: string[];
  update: { mac_address: string; current_etag: string | null }[];
  unchanged: string[];
  delete: string[];
  invalid: { entry: string; reason: string }[];
  conflicts: { mac_address: string; reason: string }[];
}

/** A plan: its report, with the bytes to write and the ETags each write and delete expects to replace. */
export interface ImportPlan {
  report: ImportReport;
  writes: Map<string, { bytes: Buffer; currentEtag: string | null; exists: boolean }>;
  deletes: Map<string, string | null>;
}

/** An archive's configs by MAC, what its manifest says of each (null: no manifest), and the entries that are not configs. */
export interface ImportEntries {
  configs: Map<string, { entry: string; bytes: Buffer; etag: string }>;
  /** MACs the archive names, usable or not: a replace import never deletes these. */
  named: Set<string>;
  manifest: Map<string, string | null> | null;
  invalid: ImportReport['invalid'];
}

function readManifest(bytes: Buffer): Map<string, string | null> | null {
  try {
    const manifest = JSON.parse(bytes.toString('utf8')) as { configs?: { mac_address?: unknown; etag?: unknown }[] };
    if (!Array.isArray(manifest.configs)) return null;
    return new Map(manifest.configs.map((each) => [String(each.mac_address), typeof each.etag === 'string' ? each.etag : null]));
  } catch {
    return null;
  }
}

/** Sorts an archive's files into configs, the manifest and invalid entries; a MAC named twice refuses the archive. */
export function sortEntries(files: readonly ArchiveFile[], maxFileBytes: number): ImportEntries {
  const entries: ImportEntries = { configs: new Map(), named: new Set(), manifest: null, invalid: [] };
  for (const { path: entry, bytes } of files) {
    if (entry === MANIFEST_NAME) {
      entries.manifest = readManifest(bytes);
      if (entries.manifest === null) entries.invalid.push({ entry, reason: 'the manifest is not the JSON an export writes' });
      continue;
    }
    const mac = macOfEntry(entry);
    if (mac === null) {
      if (!inSection(entry)) entries.invalid.push({ entry, reason: 'not a config: the name is not <MAC address>.json' });
      continue;
    }
    if (entries.named.has(mac)) throw new ArchiveRefused(`two entries name the config ${mac}`, entry);
    entries.named.add(mac);
    if (bytes.length > maxFileBytes) {
      entries.invalid.push({ entry, reason: `${bytes.length} bytes, over the limit of ${maxFileBytes} bytes for a config file` });
      continue;
    }
    // The ETag as the store gives it (without a byte-order mark), so that an unchanged config is seen as such.
    const { problem, etag } = inspectConfig(mac, bytes);
    if (problem !== null || etag === null) entries.invalid.push({ entry, reason: problem ?? 'unusable' });
    else entries.configs.set(mac, { entry, bytes, etag });
  }
  return entries;
}

/** Why a config fails its schema, in one line: the schema and its first errors. */
function schemaFailure(validation: ValidationResult): string {
  const errors = validation.errors.slice(0, 3).map((error) => `${error.pointer || '/'} ${error.message}`);
  const more = validation.errors.length > 3 ? `, and ${validation.errors.length - 3} more` : '';
  return `fails its JSON Schema ${validation.schema}: ${errors.join('; ')}${more}`;
}

/** When `mac` last changed: its latest version's time, else its file's modification time; null if it never existed. */
async function lastChange(store: ConfigStore, mac: string): Promise<number | null> {
  const versions = await store.history.versions(mac);
  const head = versions[versions.length - 1];
  if (head !== undefined) return head.at;
  const stat = await fs.lstat(path.join(store.dir, configFileName(mac))).catch(() => null);
  return stat === null ? null : stat.mtimeMs;
}

/** Why changing `mac` (now `current`) would overwrite a change the person did not see, or null. */
async function conflictOf(store: ConfigStore, mac: string, current: StoredConfig | null, entries: ImportEntries, options: ImportOptions): Promise<string | null> {
  if (options.ifMatchManifest) {
    const expected = entries.manifest!.has(mac) ? entries.manifest!.get(mac)! : null;
    const now = current?.etag ?? null;
    if (!entries.manifest!.has(mac) && current !== null) return 'the config exists on the server but is not in the archive\'s manifest';
    if (entries.manifest!.has(mac) && current === null) return 'the config was deleted on the server since the export';
    if (expected !== now) return `the config changed on the server since the export (ETag ${now}, manifest ${expected})`;
  }
  if (options.ifUnchangedSince !== undefined) {
    const changed = await lastChange(store, mac);
    if (changed !== null && changed > options.ifUnchangedSince) return `the config changed on the server at ${new Date(changed).toISOString()}, after if_unchanged_since`;
  }
  return null;
}

/** The configs in the directory now, by the file names alone. */
async function storedMacs(store: ConfigStore): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(store.dir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new StorageUnavailable(`${store.dir} is missing or not a directory`);
    throw storageFailure(error, store.dir, 'list the config directory');
  }
  return names.map(macFromFileName).filter((mac): mac is string => mac !== null);
}

/**
 * What importing `entries` would do, from the configs as they are now. Nothing is written. The real import
 * writes each change only if the config still has the ETag seen here, so the plan is never applied to a config
 * that changed after it was made.
 */
export async function planImport(store: ConfigStore, entries: ImportEntries, options: ImportOptions): Promise<ImportPlan> {
  if (options.ifMatchManifest && entries.manifest === null) throw new InvalidOperation('if_match=manifest needs the manifest.json of an export, and the archive has none');
  const plan: ImportPlan = {
    report: { create: [], update: [], unchanged: [], delete: [], invalid: entries.invalid, conflicts: [] },
    writes: new Map(),
    deletes: new Map(),
  };
  const found = new Map<string, { current: StoredConfig | null; conflict: string | null }>();
  const look = async (mac: string) => {
    const current = await store.stateOf(mac);
    const unchanged = current !== null && current.etag === entries.configs.get(mac)?.etag;
    found.set(mac, { current, conflict: unchanged ? null : await conflictOf(store, mac, current, entries, options) });
  };
  const absent = options.mode === 'replace' ? (await storedMacs(store)).filter((mac) => !entries.named.has(mac)) : [];
  await mapWithConcurrency([...entries.configs.keys(), ...absent], 16, look);
  // A config that fails its JSON Schema would be refused by the save: the plan says so instead of stopping half-way.
  await store.validation.schemas.fresh();

  const { report } = plan;
  for (const [mac, { bytes, etag, entry }] of [...entries.configs].sort(([a], [b]) => a.localeCompare(b))) {
    const { current, conflict } = found.get(mac)!;
    const validation = store.validation.resultOf(bytes);
    if (current !== null && current.etag === etag) report.unchanged.push(mac);
    else if (conflict !== null) report.conflicts.push({ mac_address: mac, reason: conflict });
    else if (!validation.valid) report.invalid.push({ entry, reason: schemaFailure(validation) });
    else {
      plan.writes.set(mac, { bytes, currentEtag: current?.etag ?? null, exists: current !== null });
      if (current === null) report.create.push(mac);
      else report.update.push({ mac_address: mac, current_etag: current.etag });
    }
  }
  for (const mac of absent.sort()) {
    const { current, conflict } = found.get(mac)!;
    if (current === null) continue;
    if (conflict !== null) report.conflicts.push({ mac_address: mac, reason: conflict });
    else {
      plan.deletes.set(mac, current.etag);
      report.delete.push(mac);
    }
  }
  return plan;
}
