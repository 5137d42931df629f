import { randomBytes } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';
import { createStateFile } from './state-directory.js';

/** Identifies this process among every replica that shares the directory. */
export const PROCESS_IDENTITY = {
  host: os.hostname(),
  pid: process.pid,
  instance: randomBytes(6).toString('hex'),
};

/**
 * Temp files are hidden and end in `.tmp` (never `.json`, so no reader takes
 * one for a config), as they did when earlier versions made them in the
 * config directory. Their name carries the host, pid and instance of the
 * writer, so a restarted process can tell its dead predecessor's leftovers
 * from a live replica's write in flight. Targets are configs and lock files.
 */
const TEMP_FILE = /^\.(.+\.(?:json|lock))\.(.+)\.(\d+)\.([0-9a-f]{12})\.[0-9a-z]+\.tmp$/;
let tempCounter = 0;

/** A unique hidden name for a temp file that will become `targetName`. */
export function tempFileName(targetName: string): string {
  const { host, pid, instance } = PROCESS_IDENTITY;
  return `.${targetName}.${host}.${pid}.${instance}.${(tempCounter++).toString(36)}.tmp`;
}

export interface Owner {
  host: string;
  pid: number;
  instance: string;
}

export function tempFileOwner(name: string): Owner | null {
  const match = TEMP_FILE.exec(name);
  return match ? { host: match[2]!, pid: Number(match[3]), instance: match[4]! } : null;
}

/** True when `owner` is certainly dead: it ran on this host and its process is gone (or it was this pid before a restart). */
export function isOwnerDead(owner: Owner): boolean {
  if (owner.host !== PROCESS_IDENTITY.host) return false;
  if (owner.pid === PROCESS_IDENTITY.pid) return owner.instance !== PROCESS_IDENTITY.instance;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

/** Makes a directory entry change (rename, unlink) durable. */
export async function fsyncDirectory(dir: string, io: FsCalls): Promise<void> {
  const fd = await io.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await io.fsync(fd);
  } catch (error) {
    // Some filesystems cannot fsync a directory; their renames are durable by other means.
    if (errorCode(error) !== 'EINVAL' && errorCode(error) !== 'ENOTSUP') throw error;
  } finally {
    await io.close(fd);
  }
}

/**
 * Writes `bytes` to `dir/name` so that readers only ever see the old file or
 * the new one, and so that the new one survives a crash once this resolves:
 * write a temp file in the state directory's `tmp/` (on the same volume),
 * fsync it, rename it over the target, fsync the directory (see
 * docs/adr/0002-atomic-write.md). On failure the temp file is removed and the
 * target is untouched. Resolves to the stat of the file written, taken before
 * the rename.
 */
export async function writeFileAtomically(dir: string, name: string, bytes: Uint8Array, io: FsCalls): Promise<BigIntStats> {
  // `name` may lie in a subdirectory of `dir` (a state file): the temp file is named for its last part.
  const { path: tempPath, fd } = await createStateFile(dir, 'tmp', tempFileName(path.basename(name)), io);
  let written: BigIntStats;
  try {
    try {
      await io.writeAll(fd, bytes);
      await io.fsync(fd);
      written = await io.fstat(fd);
    } finally {
      await io.close(fd);
    }
    await io.rename(tempPath, path.join(dir, name));
  } catch (error) {
    await io.unlink(tempPath).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(path.dirname(path.join(dir, name)), io);
  return written;
}
