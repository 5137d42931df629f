import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirectory } from './atomic-file.js';
import type { FsCalls } from './fs-calls.js';
import { errorCode } from './fs-errors.js';
import { createStateFile, statePaths } from './state-directory.js';

const PART = 'used-signatures';
const PRUNE_EVERY_MS = 60_000;

/**
 * The upload signatures already used, one empty file per signature (named by its SHA-256) in the state directory
 * `.iot-config/used-signatures/`. A claim creates the file with O_EXCL, so of two replicas sharing the directory
 * only one can accept a signature (see docs/adr/0015-asset-uploads.md). A signature is only good while its timestamp
 * is within the tolerance of the clock, so a file older than twice the tolerance can go.
 */
/** The request timeout (10 s) and a minute of clock difference between replicas. */
const CLAIM_MARGIN_MS = 70_000;

export class UsedSignatures {
  private lastPrune = 0;

  constructor(
    private readonly configDir: string,
    private readonly toleranceMs: number,
    private readonly io: FsCalls,
  ) {}

  /** Records `signature` as used; false when it already was (by this replica or another). */
  async claim(signature: Buffer): Promise<boolean> {
    await this.pruneNowAndThen();
    const name = createHash('sha256').update(signature).digest('hex');
    let created;
    try {
      created = await createStateFile(this.configDir, PART, name, this.io);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
    await this.io.close(created.fd);
    // Durable before the upload is accepted: after a crash the signature must still count as used.
    await fsyncDirectory(path.dirname(created.path), this.io);
    return true;
  }

  private async pruneNowAndThen(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const dir = path.join(statePaths(this.configDir).root, PART);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw error;
    }
    // Twice the window, plus the longest an upload may take between its check and its claim, plus room for
    // replicas' clocks: a replay must never find its signature's file already pruned.
    const expired = now - 2 * this.toleranceMs - CLAIM_MARGIN_MS;
    for (const name of names) {
      const file = path.join(dir, name);
      // Another replica may prune the same file at the same time: a file already gone is fine.
      const stat = await fs.stat(file).catch(() => null);
      if (stat !== null && stat.mtimeMs < expired) await fs.unlink(file).catch(() => undefined);
    }
  }
}
