import { normaliseMac } from '../domain/mac.js';

/** The version of the export's layout and manifest, raised on any change an older import could misread. */
export const EXPORT_FORMAT = 1;

/** At most this many MACs in an export of a selection: the request line must stay under the server's header limit. */
export const MAX_EXPORT_MACS = 500;

export const MANIFEST_NAME = 'manifest.json';
export const CONFIGS_FOLDER = 'configs';

/**
 * Top-level folders of an export that hold no configs (the version history, and the schemas once they exist).
 * An import reads configs only, so files under these are passed over, not reported as invalid.
 */
export const SECTION_FOLDERS = ['history', 'schemas'] as const;

/** What the manifest says of one exported config file. */
export interface ManifestEntry {
  mac_address: string;
  etag: string | null;
  size: number;
  sha256: string;
  /** Whether the file held a usable config (a JSON object in UTF-8). */
  valid: boolean;
  /** Why it did not, when it did not. */
  problem?: string;
}

export interface Manifest {
  format: number;
  exported_at: string;
  service_version: string;
  count: number;
  configs: ManifestEntry[];
  /** Config files that were not exported (a symbolic link, a file over the size limit), with the reason. */
  skipped: { file: string; reason: string }[];
}

/** The canonical MAC an archive path names (`<mac>.json` at any depth, the MAC in any spelling), or null. */
export function macOfEntry(entryPath: string): string | null {
  const base = entryPath.slice(entryPath.lastIndexOf('/') + 1);
  if (!base.toLowerCase().endsWith('.json')) return null;
  return normaliseMac(base.slice(0, -'.json'.length));
}

/** Whether an archive path lies in a section that holds no configs (`history/…`). */
export function inSection(entryPath: string): boolean {
  return (SECTION_FOLDERS as readonly string[]).includes(entryPath.split('/')[0]!) && entryPath.includes('/');
}
