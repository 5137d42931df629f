import fs from 'node:fs/promises';
import { isOwnerDead } from '../../src/storage/atomic-file.js';
import { ownerFileOwner } from '../../src/storage/lock-file.js';

/** The lock owner file of a process still running: every process that writes keeps one while it runs (see LockFiles). */
export function isLiveOwnerFile(name: string): boolean {
  const owner = ownerFileOwner(name);
  return owner !== null && !isOwnerDead(owner);
}

/** The names in `dir`, sorted, leaving out the owner files of live processes (those of dead ones are leftovers, and stay). */
export async function namesIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => !isLiveOwnerFile(name)).sort();
}
