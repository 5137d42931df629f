import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { statePaths } from '../../src/storage/state-directory.js';
import { lockFilePath } from '../helpers/stored-names.js';
import { checkEnvelope, figures, json, macOf, putBody, randomInt, request, storedBytes, violation, type Response } from './lib/client.js';
import { Service } from './lib/service.js';

const RUN_MS = 12_000;
/** A lock left by a dead process on this host is broken at once; one of another (unknown) host only once stale. */
const STALE_LOCK_MS = 10_000;

interface Replicas {
  services: Service[];
  /** A live replica for client `i` (clients of a killed replica move to another). */
  pick(i: number): Service;
}

function expectStatus(res: Response, allowed: number[], what: string): void {
  if (!allowed.includes(res.status)) violation(`replicas: ${what} answered ${res.status}: ${res.body.subarray(0, 200).toString()}`);
  checkEnvelope(res, `replicas: ${what}`);
}

const ackedValues = new Map<string, number>();

/**
 * If-Match increments: of all the 200s, none may be lost, so the final
 * counter is at least their number. A write cut off by the kill of its
 * replica may or may not have landed, so it may add one more: `uncertain`.
 */
async function incrementer(replicas: Replicas, client: number, mac: string, until: number): Promise<{ successes: number; uncertain: number }> {
  let successes = 0;
  let uncertain = 0;
  while (Date.now() < until) {
    const service = replicas.pick(client);
    let writeSent = false;
    try {
      const read = await request(service.port, `/api/configs/${mac}`);
      expectStatus(read, [200], `GET ${mac}`);
      if (read.status !== 200) continue;
      const counter = (json(read) as { content: { counter: number } }).content.counter;
      if (typeof counter !== 'number') {
        violation(`replicas: GET ${mac} from port ${service.port} is not a counter: ${read.body.subarray(0, 200).toString()}`);
        continue;
      }
      writeSent = true;
      const write = await request(service.port, `/api/configs/${mac}`, {
        method: 'PUT',
        headers: { 'if-match': String(read.headers.etag) },
        body: putBody({ deviceName: `counter ${mac}`, counter: counter + 1 }),
      });
      expectStatus(write, [200, 412], `If-Match PUT ${mac}`);
      if (write.status === 200) {
        successes++;
        const key = `${mac}:${counter + 1}`;
        if (ackedValues.has(key)) violation(`replicas: two If-Match writes of ${mac} both succeeded from counter ${counter} (lost update); ports ${ackedValues.get(key)} and ${service.port}`);
        ackedValues.set(key, service.port);
      }
    } catch (error) {
      if (service.alive) violation(`replicas: incrementer request failed on a live replica: ${(error as Error).message}`);
      else if (writeSent) uncertain++;
    }
  }
  return { successes, uncertain };
}

/** Rewrites a document with bodies of varying size that carry their own length, so a torn read shows. */
async function bigWriter(replicas: Replicas, client: number, mac: string, until: number): Promise<void> {
  let seq = 0;
  while (Date.now() < until) {
    const service = replicas.pick(client);
    const length = randomInt(1_000, 300_000);
    try {
      const res = await request(service.port, `/api/configs/${mac}`, { method: 'PUT', body: putBody({ deviceName: `big ${mac}`, seq: ++seq, length, pad: 'y'.repeat(length) }) });
      expectStatus(res, [200], `PUT ${mac}`);
    } catch (error) {
      if (service.alive) violation(`replicas: writer request failed on a live replica: ${(error as Error).message}`);
    }
  }
}

async function reader(replicas: Replicas, client: number, macs: string[], until: number): Promise<number> {
  let reads = 0;
  while (Date.now() < until) {
    const service = replicas.pick(client);
    const mac = macs[reads % macs.length]!;
    try {
      const res = await request(service.port, `/api/configs/${mac}.json`);
      expectStatus(res, [200], `GET ${mac}.json`);
      if (res.status === 200) {
        reads++;
        const doc = JSON.parse(res.body.toString('utf8')) as { length?: number; pad?: string };
        if (doc.pad?.length !== doc.length) violation(`replicas: read of ${mac} from port ${service.port} is not the document written: ${res.body.subarray(0, 120).toString()}`);
      }
    } catch (error) {
      if (service.alive) violation(`replicas: read failed or was not JSON on a live replica: ${(error as Error).message}`);
    }
  }
  return reads;
}

/** Renames one config back and forth between two MACs from every replica at once. */
async function renamer(replicas: Replicas, client: number, pair: [string, string], until: number): Promise<void> {
  while (Date.now() < until) {
    const service = replicas.pick(client);
    const [from, to] = Math.random() < 0.5 ? pair : [pair[1], pair[0]];
    try {
      const res = await request(service.port, `/api/configs/${from}/rename`, { method: 'POST', body: JSON.stringify({ new_mac_address: to }) });
      expectStatus(res, [200, 404, 409], `rename ${from} to ${to}`);
    } catch (error) {
      if (service.alive) violation(`replicas: rename failed on a live replica: ${(error as Error).message}`);
    }
  }
}

/** Creates (If-None-Match: *) and deletes (If-Match) one config from every replica at once. */
async function creatorDeleter(replicas: Replicas, client: number, mac: string, until: number): Promise<void> {
  while (Date.now() < until) {
    const service = replicas.pick(client);
    try {
      const created = await request(service.port, `/api/configs/${mac}`, { method: 'PUT', headers: { 'if-none-match': '*' }, body: putBody({ deviceName: `churn ${client}` }) });
      expectStatus(created, [200, 412], `create-only PUT ${mac}`);
      const etag = created.status === 200 ? String(created.headers.etag) : ((json(created) as { details: { current_etag: string | null } }).details.current_etag ?? '"gone"');
      const deleted = await request(service.port, `/api/configs/${mac}`, { method: 'DELETE', headers: { 'if-match': etag } });
      expectStatus(deleted, [204, 404, 412], `If-Match DELETE ${mac}`);
    } catch (error) {
      if (service.alive) violation(`replicas: create/delete failed on a live replica: ${(error as Error).message}`);
    }
  }
}

/**
 * Milliseconds until a write to `mac` via `service` gets past the lock. The
 * probe is a PUT whose If-Match never matches: it is checked under the lock,
 * so a 412 proves the lock was taken, and nothing is written.
 */
async function timeUntilLockable(service: Service, mac: string, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    const res = await request(service.port, `/api/configs/${mac}`, {
      method: 'PUT',
      headers: { 'if-match': '"lock-probe"' },
      body: putBody({ deviceName: 'never written' }),
      timeoutMs: limitMs,
    });
    if (res.status === 412) return Date.now() - started;
    expectStatus(res, [503], `lock probe of ${mac}`);
  }
  return Infinity;
}

/** Whether process `pid` holds one of the lock files of the config directory `dir` now. */
async function holdsLock(dir: string, pid: number): Promise<boolean> {
  const { locks } = statePaths(dir);
  for (const name of (await fs.readdir(locks).catch(() => [])).filter((n) => n.endsWith('.lock'))) {
    const text = await fs.readFile(path.join(locks, name), 'utf8').catch(() => '');
    if (text.includes(`"pid":${pid},`)) return true;
  }
  return false;
}

/**
 * Three processes on one directory with mixed reads, writes, If-Match
 * updates, renames and deletes; one replica is SIGKILLed halfway.
 */
export async function replicasPhase(root: string, log: (line: string) => void): Promise<void> {
  const dir = path.join(root, 'replicas');
  await fs.mkdir(dir);
  const services = await Promise.all([0, 1, 2].map(() => Service.start({ ESP32_CONFIGS_DIR: dir })));
  const replicas: Replicas = {
    services,
    pick: (i) => {
      const preferred = services[i % services.length]!;
      return preferred.alive ? preferred : services.find((s) => s.alive)!;
    },
  };
  try {
    const counters = [macOf(0x200), macOf(0x201)];
    const bigs = [macOf(0x210), macOf(0x211)];
    const pair: [string, string] = [macOf(0x220), macOf(0x221)];
    const churn = macOf(0x230);
    const foreignLocked = macOf(0x240);
    for (const mac of counters) await request(services[0]!.port, `/api/configs/${mac}`, { method: 'PUT', body: putBody({ deviceName: `counter ${mac}`, counter: 0 }) });
    for (const mac of bigs) await request(services[0]!.port, `/api/configs/${mac}`, { method: 'PUT', body: putBody({ deviceName: 'big', seq: 0, length: 1, pad: 'y' }) });
    const original = { deviceName: 'renamed back and forth', marker: 42 };
    await request(services[0]!.port, `/api/configs/${pair[0]}`, { method: 'PUT', body: putBody(original) });

    // A lock left by a replica on another host (unknown liveness): recovered once stale.
    await fs.writeFile(await lockFilePath(dir, foreignLocked), JSON.stringify({ host: `not-${os.hostname()}`, pid: 1, instance: '000000000000', acquiredAt: new Date().toISOString() }));
    figures.faultsInjected++;
    const foreignRecovery = timeUntilLockable(services[1]!, foreignLocked, 20_000);

    const until = Date.now() + RUN_MS;
    const work: Promise<unknown>[] = [];
    const increments: Promise<{ successes: number; uncertain: number }>[] = [];
    for (let client = 0; client < 6; client++) increments.push(incrementer(replicas, client, counters[client % counters.length]!, until));
    bigs.forEach((mac, i) => work.push(bigWriter(replicas, i, mac, until)));
    const reads = [0, 1, 2].map((client) => reader(replicas, client, bigs, until));
    for (let client = 0; client < 3; client++) work.push(renamer(replicas, client, pair, until));
    for (let client = 0; client < 3; client++) work.push(creatorDeleter(replicas, client, churn, until));

    // Halfway, replica 3 dies under load; any lock it held must not block the others for long.
    await sleep(RUN_MS / 2);
    const victim = services[2]!;
    // Aim the kill at a moment when the victim holds a lock, so the recovery is measured: freeze it (SIGSTOP),
    // look for a lock it owns, and either kill it frozen or let it run a few more milliseconds (for up to 3 s).
    const aimUntil = Date.now() + 3_000;
    for (;;) {
      victim.child.kill('SIGSTOP');
      if ((await holdsLock(dir, victim.pid)) || Date.now() > aimUntil) break;
      victim.child.kill('SIGCONT');
      await sleep(randomInt(1, 15));
    }
    await victim.kill('SIGKILL');
    figures.faultsInjected++;
    const killedAt = Date.now();
    const orphanLocks: string[] = [];
    const { locks } = statePaths(dir);
    for (const name of (await fs.readdir(locks)).filter((n) => n.endsWith('.lock'))) {
      // Lock files name their owner: keep those of the killed replica.
      const owner = await fs.readFile(path.join(locks, name), 'utf8').then((text) => (JSON.parse(text) as { pid: number }).pid, () => null);
      if (owner === victim.pid) orphanLocks.push(name);
    }
    // Each config locked by the dead replica must become writable: measured from the kill, all probed at once.
    const recoveries = await Promise.all(
      orphanLocks.map(async (lock) => {
        await timeUntilLockable(services[0]!, lock.slice(1, -'.lock'.length), 20_000);
        return Date.now() - killedAt;
      }),
    );
    const ownLockRecovery = Math.max(0, ...recoveries);

    const incrementResults = await Promise.all(increments);
    const successes = incrementResults.reduce((sum, r) => sum + r.successes, 0);
    const uncertain = incrementResults.reduce((sum, r) => sum + r.uncertain, 0);
    await Promise.all(work);
    const readCount = (await Promise.all(reads)).reduce((a, b) => a + b, 0);
    const foreignMs = await foreignRecovery;

    // No lost update: the counters add up to the If-Match writes acknowledged, plus at most the
    // writes cut off by the kill (they may have landed without their 200 reaching the client).
    let counted = 0;
    for (const mac of counters) {
      const stored = JSON.parse(await fs.readFile(path.join(dir, `${mac}.json`), 'utf8')) as { counter: number };
      counted += stored.counter;
      figures.configsVerified++;
    }
    if (counted < successes || counted > successes + uncertain) {
      figures.lost += Math.max(0, successes - counted);
      violation(`replicas: ${successes} If-Match updates acknowledged (${uncertain} more cut off by the kill) but the counters add up to ${counted}`);
    }
    // Never both files nor neither, and the content is unchanged by renames.
    const names = await fs.readdir(dir);
    const holders = pair.filter((mac) => names.includes(`${mac}.json`));
    if (holders.length !== 1) violation(`replicas: after the renames ${holders.length} of the pair exist`);
    else {
      figures.configsVerified++;
      if ((await fs.readFile(path.join(dir, `${holders[0]}.json`), 'utf8')) !== storedBytes(original)) {
        figures.corrupted++;
        violation('replicas: the renamed config changed');
      }
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        JSON.parse(await fs.readFile(path.join(dir, name), 'utf8'));
        figures.configsVerified++;
      } catch {
        figures.corrupted++;
        violation(`replicas: ${name} does not parse`);
      }
    }
    if (foreignMs > STALE_LOCK_MS + 2_000) violation(`replicas: a foreign abandoned lock blocked writes for ${foreignMs} ms (bound ${STALE_LOCK_MS + 2_000} ms)`);
    // A dead owner on this host is recognised at once; what remains is queueing behind live writers. Never past the staleness bound.
    if (ownLockRecovery > STALE_LOCK_MS) violation(`replicas: locks of the killed replica blocked writes for ${ownLockRecovery} ms (bound ${STALE_LOCK_MS} ms)`);
    log(
      `replicas: 3 processes for ${RUN_MS / 1000} s, ${successes} If-Match updates acknowledged (+${uncertain} cut off by the kill), counters ${counted}; ${readCount} complete reads; ` +
        `replica killed mid-load left ${orphanLocks.length} lock(s), writable again after ${orphanLocks.length ? `${ownLockRecovery} ms` : 'n/a'}; ` +
        `a foreign host's abandoned lock recovered after ${foreignMs} ms (bound: stale after ${STALE_LOCK_MS} ms)`,
    );
  } finally {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
  }
}
