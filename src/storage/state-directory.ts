import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';

/**
 * The hidden subdirectory of the config directory that holds every file the
 * service writes besides configs, so that between requests the config
 * directory holds only configs, what people put there, and this. It is on
 * the same volume, so a temp file in it is renamed into place atomically
 * (see docs/adr/0009-state-directory.md).
 */
export const STATE_DIR_NAME = '.iot-config';

export interface StatePaths {
  /** The state directory itself. */
  root: string;
  /** Temp files of atomic writes. */
  tmp: string;
  /** Lock files and idle lock tokens. */
  locks: string;
}

/** Where the state directory of `configDir` and its parts are; nothing is created. */
export function statePaths(configDir: string): StatePaths {
  const root = path.join(configDir, STATE_DIR_NAME);
  return { root, tmp: path.join(root, 'tmp'), locks: path.join(root, 'locks') };
}

const SUBDIRECTORY_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * The path of the state subdirectory `name` (`tmp`, `locks`, `history`...),
 * made, with the state directory, if missing. The config directory itself is
 * never made: when it is missing, this fails with ENOENT.
 */
export async function stateSubdirectory(configDir: string, name: string): Promise<string> {
  if (!SUBDIRECTORY_NAME.test(name)) throw new Error(`Not a state subdirectory name: ${JSON.stringify(name)}`);
  const { root } = statePaths(configDir);
  const dir = path.join(root, name);
  for (const each of [root, dir]) {
    try {
      await fs.mkdir(each);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
  return dir;
}

/**
 * Creates the new file `name` in the state subdirectory `part`, open for
 * writing, and never through a symlink. If the subdirectory is missing (never
 * made yet, or removed while the service runs), makes it and tries once more.
 */
export async function createStateFile(configDir: string, part: string, name: string, io: FsCalls): Promise<{ path: string; fd: number }> {
  const filePath = path.join(configDir, STATE_DIR_NAME, part, name);
  const create = () => io.open(filePath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    return { path: filePath, fd: await create() };
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    await stateSubdirectory(configDir, part);
    return { path: filePath, fd: await create() };
  }
}
