import fs from 'node:fs/promises';
import path from 'node:path';
import { parseVersionFileName, versionFileName, type VersionMeta } from '../domain/history-version.js';
import { CANONICAL_MAC_PATTERN } from '../domain/mac.js';
import { fsyncDirectory, stageFile, type StagedFile } from './atomic-file.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { stateSubdirectory, statePaths } from './state-directory.js';

const HISTORY_DIR = 'history';

/**
 * The history on disk: a folder per MAC in `.iot-config/history/`, a file
 * per version named by its metadata (see docs/history.md). Knows files and
 * names only; what a version means is ConfigHistory's.
 */
export class HistoryFolders {
  private readonly root: string;

  constructor(
    private readonly configDir: string,
    private readonly io: FsCalls,
  ) {
    this.root = path.join(statePaths(configDir).root, HISTORY_DIR);
  }

  /**
   * The versions of `mac` on disk now, in version order (none when it has no folder). A name of one of the
   * `known` versions gives that object back, unparsed: a save lists its MAC's folder each time, and parsing
   * every name anew would make garbage in proportion to the history's length.
   */
  async list(mac: string, known: readonly VersionMeta[] = []): Promise<VersionMeta[]> {
    try {
      return parseNames(mac, await fs.readdir(this.dirOf(mac)), known);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  /** The versions of every MAC with any, from the folders' listings alone. */
  async listAll(): Promise<Map<string, VersionMeta[]>> {
    const perMac = new Map<string, VersionMeta[]>();
    let macs: string[];
    try {
      macs = (await fs.readdir(this.root)).filter((name) => CANONICAL_MAC_PATTERN.test(name));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return perMac;
      throw error;
    }
    await mapWithConcurrency(macs, 32, async (mac) => {
      try {
        const versions = parseNames(mac, await fs.readdir(this.dirOf(mac)));
        if (versions.length > 0) perMac.set(mac, versions);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw error;
      }
    });
    return perMac;
  }

  /** The stored bytes of a version. */
  bytesOf(meta: VersionMeta): Promise<Buffer> {
    return fs.readFile(this.pathOf(meta));
  }

  /** `bytes` as the version `meta`, written and fsynced under a temp name, its MAC's folder made if `firstOfMac`. */
  async stage(meta: VersionMeta, bytes: Buffer, firstOfMac: boolean): Promise<StagedFile> {
    if (firstOfMac) {
      await stateSubdirectory(this.configDir, HISTORY_DIR);
      await fs.mkdir(this.dirOf(meta.mac), { recursive: true });
    }
    return stageFile(this.configDir, versionFileName(meta), bytes, this.io, this.dirOf(meta.mac));
  }

  /** Makes the versions put in `mac`'s folder durable. */
  sync(mac: string): Promise<void> {
    return fsyncDirectory(this.dirOf(mac), this.io);
  }

  /** Removes versions; one already gone (pruned by another replica) is no error. */
  async remove(versions: readonly VersionMeta[]): Promise<void> {
    await Promise.all(versions.map((meta) => this.io.unlink(this.pathOf(meta), { missingOk: true })));
  }

  private dirOf(mac: string): string {
    return path.join(this.root, mac);
  }

  private pathOf(meta: VersionMeta): string {
    return path.join(this.dirOf(meta.mac), versionFileName(meta));
  }
}

/** One string per actor, shared by all of the actor's versions: a large history has few actors and many versions. */
const actors = new Map<string, string>();

function parseNames(mac: string, names: readonly string[], known: readonly VersionMeta[] = []): VersionMeta[] {
  const byVersion = new Map<number, VersionMeta>();
  for (const meta of known) byVersion.set(meta.version, meta);
  const versions: VersionMeta[] = [];
  for (const name of names) {
    // `<version>.<at>.` starts every version file's name: a known version with that time is that file.
    const same = byVersion.get(Number(name.slice(0, 10)));
    if (same !== undefined && name[10] === '.' && Number(name.slice(11, name.indexOf('.', 11))) === same.at) {
      versions.push(same);
      continue;
    }
    const meta = parseVersionFileName(mac, name);
    if (meta === null) continue;
    if (meta.actor !== null) {
      const known = actors.get(meta.actor);
      if (known === undefined) actors.set(meta.actor, meta.actor);
      else meta.actor = known;
    }
    versions.push(meta);
  }
  return versions.sort((a, b) => a.version - b.version || a.at - b.at);
}
