import fs from 'node:fs/promises';
import { isOwnerDead, tempFileOwner } from '../../src/storage/atomic-file.js';
import { TOKEN_TARGET } from '../../src/storage/lock-file.js';

/** An idle lock token of a process still running: every process that writes keeps a few while it runs (see LockFiles). */
export function isLiveLockToken(name: string): boolean {
  const owner = tempFileOwner(name);
  return owner !== null && name.startsWith(`.${TOKEN_TARGET}.`) && !isOwnerDead(owner);
}

/** The names in `dir`, sorted, leaving out the idle lock tokens of live processes (those of dead ones are leftovers, and stay). */
export async function namesIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => !isLiveLockToken(name)).sort();
}
