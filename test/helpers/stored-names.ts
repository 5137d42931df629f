import fs from 'node:fs/promises';
import path from 'node:path';
import { isOwnerDead, tempFileOwner } from '../../src/storage/atomic-file.js';
import { lockFileName, TOKEN_TARGET } from '../../src/storage/lock-file.js';
import { STATE_DIR_NAME, statePaths } from '../../src/storage/state-directory.js';

/** An idle lock token of a process still running: every process that writes keeps a few while it runs (see LockFiles). */
export function isLiveLockToken(name: string): boolean {
  const owner = tempFileOwner(name);
  return owner !== null && path.basename(name).startsWith(`.${TOKEN_TARGET}.`) && !isOwnerDead(owner);
}

/** The parts of the state directory the service keeps on purpose, as opposed to temp files and locks. */
const KEPT_STATE = ['history', 'fetches', 'schemas'];

/**
 * What is left in the config directory `dir`, sorted: its names, with the
 * files of the service's state directory in place of that directory, as
 * `.iot-config/<part>/<name>`. The idle lock tokens of live processes are
 * left out (those of dead ones are leftovers, and stay), and so is what the
 * service keeps there on purpose (the version history, the device fetch
 * records, the JSON Schemas), which tests read on their own: so a directory
 * the service left clean gives its configs alone.
 */
export async function namesIn(dir: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).filter((name) => name !== STATE_DIR_NAME);
  const state = await fs.readdir(path.join(dir, STATE_DIR_NAME), { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of state) {
    const name = path.relative(dir, path.join(entry.parentPath, entry.name));
    if (!entry.isDirectory() && !KEPT_STATE.some((part) => name.startsWith(path.join(STATE_DIR_NAME, part, path.sep)))) names.push(name);
  }
  return names.filter((name) => !isLiveLockToken(path.basename(name))).sort();
}

/** The files the service wrote besides configs and left in `dir` (see {@link namesIn}): temp files, locks, tokens of dead processes. */
export async function leftoversIn(dir: string): Promise<string[]> {
  return (await namesIn(dir)).filter((name) => name.startsWith('.'));
}

/** The path of the lock file of `mac` for the config directory `dir`, its folder made as a running replica would have made it. */
export async function lockFilePath(dir: string, mac: string): Promise<string> {
  const { locks } = statePaths(dir);
  await fs.mkdir(locks, { recursive: true });
  return path.join(locks, lockFileName(mac));
}
