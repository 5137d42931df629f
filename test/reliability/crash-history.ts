import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { etagOf } from '../../src/domain/config-document.js';
import { parseVersionFileName, type VersionMeta } from '../../src/domain/history-version.js';
import { figures, request, violation } from './lib/client.js';

/** The versions of every MAC with a history in `dir`, each with its file's bytes, in version order. */
async function historyOnDisk(dir: string): Promise<Map<string, { meta: VersionMeta; bytes: Buffer }[]>> {
  const root = path.join(dir, '.iot-config', 'history');
  const history = new Map<string, { meta: VersionMeta; bytes: Buffer }[]>();
  for (const mac of await fs.readdir(root).catch(() => [])) {
    const versions = [];
    for (const name of await fs.readdir(path.join(root, mac))) {
      const meta = parseVersionFileName(mac, name);
      if (meta === null) violation(`history of ${mac}: a file that is not a version: ${name}`);
      else versions.push({ meta, bytes: await fs.readFile(path.join(root, mac, name)) });
    }
    history.set(mac, versions.sort((a, b) => a.meta.version - b.meta.version));
  }
  return history;
}

/**
 * After a kill and a restart: every version file is whole (its bytes hash to
 * the ETag its name records, and parse), versions are numbered one after
 * another (the oldest may have been pruned),
 * and, once the restarted service has looked, each config's history ends
 * with what its file holds (a change cut off before its version is recorded
 * as `external`).
 */
export async function verifyHistory(port: number, dir: string, cycle: number): Promise<void> {
  let disagreeing: string[] = [];
  for (let attempt = 0; attempt < 30; attempt++) {
    disagreeing = [];
    for (const [mac, versions] of await historyOnDisk(dir)) {
      const head = versions[versions.length - 1]?.meta;
      // A MAC whose first change was cut off has no history yet, as a config older than the history has none.
      if (head === undefined) continue;
      const current = await fs.readFile(path.join(dir, `${mac}.json`)).catch(() => null);
      const agrees = current === null ? head.etag === null : head.etag === etagOf(current);
      if (!agrees) disagreeing.push(mac);
    }
    if (disagreeing.length === 0) break;
    // A list scans the directory, and the scan records what no write did.
    await request(port, '/api/configs');
    await sleep(100);
  }
  if (disagreeing.length > 0) violation(`crash cycle ${cycle}: the history of ${disagreeing.join(', ')} does not end with the config file 3 s after restart`);

  for (const [mac, versions] of await historyOnDisk(dir)) {
    const numbers = versions.map((v) => v.meta.version);
    if (numbers.some((n, i) => i > 0 && n !== numbers[i - 1]! + 1)) violation(`crash cycle ${cycle}: ${mac}'s versions are not numbered one after another: ${numbers.join(',')}`);
    versions.forEach(({ meta, bytes }) => {
      figures.configsVerified++;
      if (meta.etag === null) {
        if (bytes.length !== 0) violation(`crash cycle ${cycle}: tombstone ${meta.version} of ${mac} holds bytes`);
        return;
      }
      if (etagOf(bytes) !== meta.etag || bytes.length !== meta.size) {
        figures.corrupted++;
        violation(`crash cycle ${cycle}: version ${meta.version} of ${mac} is torn (${bytes.length} of ${meta.size} bytes)`);
        return;
      }
      try {
        JSON.parse(bytes.toString('utf8'));
      } catch {
        violation(`crash cycle ${cycle}: version ${meta.version} of ${mac} does not parse`);
      }
    });
  }
}
