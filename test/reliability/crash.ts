import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { leftoversIn } from '../helpers/stored-names.js';
import { verifyHistory } from './crash-history.js';
import { checkEnvelope, figures, json, macOf, putBody, randomInt, request, storedBytes, violation } from './lib/client.js';
import { Service } from './lib/service.js';

/** What a MAC's file may hold: the last acknowledged state, or the one in flight when the server died. null: no file. */
interface Expectation {
  acked: string | null;
  inFlight: { value: string | null } | null;
}

const MACS = Array.from({ length: 6 }, (_, i) => macOf(0x100 + i));
/** One config renamed back and forth between these two MACs while the kills land. */
const RENAME_PAIR = [macOf(0x180), macOf(0x181)] as const;
const RENAMED_CONTENT = { deviceName: 'renamed under kills', pad: 'r'.repeat(50_000) };

interface RenameState {
  /** Where the config is, as last acknowledged. */
  at: string;
  /** A rename was sent and not answered when the server died: either place is right. */
  inFlight: boolean;
}

async function renamer(port: number, state: RenameState, stop: { now: boolean }): Promise<void> {
  while (!stop.now) {
    const to = state.at === RENAME_PAIR[0] ? RENAME_PAIR[1] : RENAME_PAIR[0];
    state.inFlight = true;
    try {
      const res = await request(port, `/api/configs/${state.at}/rename`, { method: 'POST', body: JSON.stringify({ new_mac_address: to }), timeoutMs: 20_000 });
      state.inFlight = false;
      if (res.status === 200) state.at = to;
      else violation(`crash phase: rename ${state.at} to ${to} answered ${res.status} while the server was up: ${res.body.subarray(0, 200).toString()}`);
    } catch {
      return;
    }
  }
}

/** Exactly one of the pair exists, where the last acknowledged rename put it (or the one in flight), unchanged. */
async function verifyRename(dir: string, state: RenameState, cycle: number): Promise<void> {
  const present = [];
  for (const mac of RENAME_PAIR) {
    const text = await fs.readFile(path.join(dir, `${mac}.json`), 'utf8').catch(() => null);
    if (text !== null) present.push({ mac, text });
  }
  figures.configsVerified++;
  if (present.length !== 1) {
    figures.lost++;
    violation(`crash cycle ${cycle}: after a kill during renames ${present.length} of the two files exist`);
    return;
  }
  const [{ mac, text }] = present as [{ mac: string; text: string }];
  if (text !== storedBytes(RENAMED_CONTENT)) {
    figures.corrupted++;
    violation(`crash cycle ${cycle}: the renamed config changed`);
  }
  if (mac !== state.at && !state.inFlight) {
    figures.lost++;
    violation(`crash cycle ${cycle}: an acknowledged rename to ${state.at} was undone`);
  }
  state.at = mac;
  state.inFlight = false;
}

function content(mac: string, seq: number, large: boolean): Record<string, unknown> {
  return {
    deviceName: `crash ${mac} #${seq}`,
    deviceEntityId: `sensor.crash_${seq}`,
    enableOTA: seq % 2 === 0,
    seq,
    // Large bodies (100-900 KB) make the write window wide enough for kills to land inside it.
    pad: large ? 'x'.repeat(randomInt(100_000, 900_000)) : 'small',
  };
}

/** One MAC's writer: sequential writes (and the odd delete), so the file must hold the last acknowledged state or the one in flight. */
async function writer(port: number, mac: string, expectation: Expectation, stop: { now: boolean }, seqStart: number): Promise<number> {
  let seq = seqStart;
  while (!stop.now) {
    seq++;
    const remove = expectation.acked !== null && seq % 11 === 0;
    const body = remove ? null : content(mac, seq, Math.random() < 0.3);
    const value = body === null ? null : storedBytes(body);
    expectation.inFlight = { value };
    try {
      const res = remove
        ? await request(port, `/api/configs/${mac}`, { method: 'DELETE', timeoutMs: 20_000 })
        : await request(port, `/api/configs/${mac}`, { method: 'PUT', body: putBody(body), timeoutMs: 20_000 });
      if ((remove && res.status === 204) || (!remove && res.status === 200)) {
        expectation.acked = value;
        expectation.inFlight = null;
      } else {
        checkEnvelope(res, `crash phase ${remove ? 'DELETE' : 'PUT'} ${mac}`);
        violation(`crash phase: ${remove ? 'DELETE' : 'PUT'} ${mac} answered ${res.status} while the server was up: ${res.body.subarray(0, 200).toString()}`);
        expectation.inFlight = null;
      }
    } catch {
      // The server was killed under this request: it stays "in flight".
      return seq;
    }
  }
  return seq;
}

/** Checks every MAC's file against what was acknowledged or in flight. Returns the number of configs checked. */
async function verifyDisk(dir: string, expectations: Map<string, Expectation>, cycle: number): Promise<void> {
  for (const [mac, expectation] of expectations) {
    const file = path.join(dir, `${mac}.json`);
    const actual = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    figures.configsVerified++;
    const allowed = [expectation.acked, ...(expectation.inFlight ? [expectation.inFlight.value] : [])];
    if (allowed.includes(actual)) {
      // The file holds the in-flight state: from now on it is the acknowledged one.
      expectation.acked = actual;
      expectation.inFlight = null;
      continue;
    }
    if (actual !== null) {
      try {
        JSON.parse(actual);
      } catch {
        figures.corrupted++;
        violation(`crash cycle ${cycle}: ${mac}.json does not parse (${actual.length} bytes)`);
        continue;
      }
    }
    figures.lost++;
    violation(`crash cycle ${cycle}: ${mac}.json holds ${actual === null ? 'nothing' : `a body that was neither acknowledged last nor in flight (${actual.slice(0, 60)}...)`}`);
    expectation.acked = actual;
    expectation.inFlight = null;
  }
}

/** After a restart: no leftover temp or lock file, the list is complete, and each config reads back as on disk. */
async function verifyAfterRestart(service: Service, dir: string, expectations: Map<string, Expectation>, renamed: RenameState, cycle: number): Promise<void> {
  const deadline = Date.now() + 3_000;
  let leftovers = await leftoversIn(dir);
  while (leftovers.length > 0 && Date.now() < deadline) {
    await request(service.port, '/api/configs');
    await sleep(100);
    leftovers = await leftoversIn(dir);
  }
  if (leftovers.length > 0) {
    const described = await Promise.all(
      leftovers.map(async (name) => `${name} (${JSON.stringify((await fs.readFile(path.join(dir, name), 'utf8').catch(() => '?')).slice(0, 120))})`),
    );
    violation(`crash cycle ${cycle}: leftovers not removed 3 s after restart: ${described.join(', ')}`);
  }

  const present = [...[...expectations].filter(([, e]) => e.acked !== null).map(([mac]) => mac), renamed.at].sort();
  let listed: string[] = [];
  // The list reflects the directory within 2 s; the restarted server scans at start-up.
  for (let attempt = 0; attempt < 20; attempt++) {
    const list = json(await request(service.port, '/api/configs')) as { configs: { mac_address: string }[] };
    listed = list.configs.map((c) => c.mac_address).sort();
    if (listed.join() === present.join()) break;
    await sleep(100);
  }
  if (listed.join() !== present.join()) violation(`crash cycle ${cycle}: list after restart is ${listed.join(' ')}, expected ${present.join(' ')}`);

  for (const [mac, expectation] of expectations) {
    const res = await request(service.port, `/api/configs/${mac}.json`);
    const body = res.status === 200 ? res.body.toString('utf8') : null;
    if (res.status !== 200 && res.status !== 404) checkEnvelope(res, `crash cycle ${cycle} GET ${mac}`);
    if (body !== expectation.acked) violation(`crash cycle ${cycle}: GET ${mac}.json after restart gives ${res.status}, not the file on disk`);
  }
}

/**
 * Crash consistency: writers hammer several MACs with small and large bodies
 * while the server is SIGKILLed at random points, over and over.
 */
export async function crashPhase(root: string, cycles: number, log: (line: string) => void): Promise<void> {
  const dir = path.join(root, 'crash');
  await fs.mkdir(dir);
  const expectations = new Map<string, Expectation>(MACS.map((mac) => [mac, { acked: null, inFlight: null }]));
  const seqs = new Map<string, number>(MACS.map((mac) => [mac, 0]));
  let service = await Service.start({ ESP32_CONFIGS_DIR: dir });
  const renamed: RenameState = { at: RENAME_PAIR[0], inFlight: false };
  await request(service.port, `/api/configs/${renamed.at}`, { method: 'PUT', body: putBody(RENAMED_CONTENT) });
  let leftoversSeen = 0;
  try {
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const stop = { now: false };
      const writers: Promise<unknown>[] = MACS.map((mac) => writer(service.port, mac, expectations.get(mac)!, stop, seqs.get(mac)!).then((seq) => seqs.set(mac, seq)));
      writers.push(renamer(service.port, renamed, stop));
      await sleep(randomInt(150, 900));
      await service.kill('SIGKILL');
      figures.faultsInjected++;
      stop.now = true;
      await Promise.all(writers);
      leftoversSeen += (await leftoversIn(dir)).length;
      await verifyDisk(dir, expectations, cycle);
      await verifyRename(dir, renamed, cycle);
      service = await Service.start({ ESP32_CONFIGS_DIR: dir });
      await verifyAfterRestart(service, dir, expectations, renamed, cycle);
      await verifyHistory(service.port, dir, cycle);
    }
  } finally {
    await service.kill('SIGKILL');
  }
  log(`crash: ${cycles} SIGKILLs while ${MACS.length} MACs are written and deleted and one config is renamed back and forth; ${leftoversSeen} temp/lock files found right after the kills, all removed after restart`);
}
