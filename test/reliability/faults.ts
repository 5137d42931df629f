import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { leftoversIn } from '../helpers/stored-names.js';
import { envelopeProblem, figures, json, macOf, putBody, request, storedBytes, violation, type Response } from './lib/client.js';
import { ROOT, Service } from './lib/service.js';

const A = macOf(0x300);
const B = macOf(0x301);
const isRoot = process.getuid?.() === 0;
/** What the service answered to each fault, for the log. */
const outcomes: string[] = [];

/** Asserts status, envelope code and a message mentioning `words`. */
function expectError(res: Response, status: number, code: string, what: string, words?: RegExp): void {
  const problem = envelopeProblem(res);
  if (problem !== null) return violation(`faults: ${what}: ${problem}`);
  const body = json(res) as { code: string; error: string };
  if (res.status !== status || body.code !== code) violation(`faults: ${what}: expected ${status} ${code}, got ${res.status} ${body.code} (${body.error})`);
  else if (words && !words.test(body.error)) violation(`faults: ${what}: message "${body.error}" does not say ${words}`);
}

async function expectHealth(service: Service, status: number, what: string, reason?: RegExp): Promise<void> {
  const res = await request(service.port, '/api/health');
  const body = json(res) as { status: string; reason?: string };
  if (res.status !== status) violation(`faults: ${what}: health answered ${res.status} (${body.reason ?? body.status}), expected ${status}`);
  else if (reason && !reason.test(body.reason ?? '')) violation(`faults: ${what}: health reason "${body.reason}" does not say ${reason}`);
}

async function expectFile(dir: string, mac: string, expected: string, what: string): Promise<void> {
  figures.configsVerified++;
  const actual = await fs.readFile(path.join(dir, `${mac}.json`), 'utf8').catch(() => null);
  if (actual !== expected) {
    figures.lost++;
    violation(`faults: ${what}: ${mac}.json is ${actual === null ? 'gone' : 'changed'}`);
  }
}

async function expectNoLeftovers(dir: string, what: string): Promise<void> {
  const stray = await leftoversIn(dir).catch(() => [] as string[]);
  if (stray.length > 0) violation(`faults: ${what}: left ${stray.join(', ')}`);
}

async function put(service: Service, mac: string, content: unknown): Promise<Response> {
  return request(service.port, `/api/configs/${mac}`, { method: 'PUT', body: putBody(content) });
}

/** Waits up to 3 s for `check` to hold: recovery must come by itself once the fault is gone. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
}

/** A full disk: the config volume fills up, then space is freed. */
async function fullDisk(service: Service, dir: string, current: string, simulate: () => Promise<() => Promise<void>>): Promise<string> {
  figures.faultsInjected++;
  const freeSpace = await simulate();
  const big = { deviceName: 'too big for the disk', pad: 'z'.repeat(200_000) };
  const full = await put(service, A, big);
  expectError(full, 507, 'STORAGE_FULL', 'PUT on a full disk', /space/i);
  outcomes.push(`full disk: ${full.status} "${(json(full) as { error: string }).error}"`);
  expectError(await put(service, B, { deviceName: 'new' }), 507, 'STORAGE_FULL', 'create on a full disk', /space/i);
  await expectFile(dir, A, current, 'after a PUT on a full disk');
  await expectNoLeftovers(dir, 'a PUT on a full disk');
  if ((await request(service.port, `/api/configs/${A}.json`)).status !== 200) violation('faults: reads fail on a full disk');
  await expectHealth(service, 200, 'full disk (reads still work)');
  await freeSpace();
  const next = { deviceName: 'after the disk was freed' };
  if (!(await eventually(async () => (await put(service, A, next)).status === 200))) violation('faults: no recovery after the disk was freed');
  return storedBytes(next);
}

/** A read-only volume, then writable again. */
async function readOnly(service: Service, dir: string, current: string, makeReadOnly: () => void, makeWritable: () => void): Promise<string> {
  figures.faultsInjected++;
  makeReadOnly();
  try {
    const ro = await put(service, A, { deviceName: 'on a read-only disk' });
    expectError(ro, 503, 'STORAGE_UNAVAILABLE', 'PUT on a read-only volume', /read-only|permission/i);
    outcomes.push(`read-only: ${ro.status} "${(json(ro) as { error: string }).error}"`);
    expectError(await request(service.port, `/api/configs/${A}`, { method: 'DELETE' }), 503, 'STORAGE_UNAVAILABLE', 'DELETE on a read-only volume', /read-only|permission/i);
    if ((await request(service.port, `/api/configs/${A}.json`)).status !== 200) violation('faults: reads fail on a read-only volume');
    await expectHealth(service, 503, 'read-only volume', /read-only|permission/i);
    await expectFile(dir, A, current, 'on a read-only volume');
  } finally {
    makeWritable();
  }
  await expectHealth(service, 200, 'writable again');
  const next = { deviceName: 'writable again' };
  if (!(await eventually(async () => (await put(service, A, next)).status === 200))) violation('faults: no recovery after the volume became writable');
  return storedBytes(next);
}

/** The directory disappears (an unmounted volume) and comes back; it must never be re-created by the service. */
async function directoryRemoved(service: Service, dir: string, current: string): Promise<string> {
  figures.faultsInjected++;
  const backup = await fs.readFile(path.join(dir, `${A}.json`), 'utf8');
  await fs.rm(dir, { recursive: true, force: true });
  expectError(await request(service.port, `/api/configs/${A}`), 503, 'STORAGE_UNAVAILABLE', 'GET with the directory gone', /does not exist/);
  // The list may be served from memory while fresh (changes show within 2 s), then it must fail rather than shrink.
  let listRes = await request(service.port, '/api/configs');
  for (let i = 0; i < 30 && listRes.status === 200; i++) {
    if ((json(listRes) as { count: number }).count !== 1) violation('faults: the list shrank instead of failing with the directory gone');
    await sleep(100);
    listRes = await request(service.port, '/api/configs');
  }
  expectError(listRes, 503, 'STORAGE_UNAVAILABLE', 'list with the directory gone (within 3 s)', /does not exist/);
  expectError(await put(service, A, { deviceName: 'nowhere' }), 503, 'STORAGE_UNAVAILABLE', 'PUT with the directory gone', /does not exist/);
  await expectHealth(service, 503, 'directory gone', /Directory does not exist/);
  if (await fs.stat(dir).then(() => true, () => false)) violation('faults: the service re-created a missing config directory');

  // The path becomes a file (a botched mount): still a clear 503.
  await fs.writeFile(dir, 'not a directory');
  await expectHealth(service, 503, 'config path is a file', /not a directory/);
  expectError(await request(service.port, `/api/configs/${A}`), 503, 'STORAGE_UNAVAILABLE', 'GET with the config path a file');
  await fs.rm(dir);

  // The volume comes back with its files.
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, `${A}.json`), backup);
  await expectHealth(service, 200, 'directory back');
  const listed = await eventually(async () => {
    const res = await request(service.port, '/api/configs');
    return res.status === 200 && (json(res) as { count: number }).count === 1;
  });
  if (!listed) violation('faults: the list did not recover within 3 s of the directory coming back');
  await expectFile(dir, A, current, 'after the directory came back');
  const next = { deviceName: 'directory back' };
  if ((await put(service, A, next)).status !== 200) violation('faults: PUT fails after the directory came back');
  return storedBytes(next);
}

/** A config file replaced by a directory (a mistaken `mkdir`, a bad restore). */
async function fileReplacedByDirectory(service: Service, dir: string): Promise<string> {
  figures.faultsInjected++;
  const file = path.join(dir, `${A}.json`);
  await fs.rm(file);
  await fs.mkdir(file);
  await fs.writeFile(path.join(file, 'keep'), 'something an admin put here');
  expectError(await request(service.port, `/api/configs/${A}`), 422, 'INVALID_STORED_CONFIG', 'GET of a directory', /not a regular file/);
  expectError(await request(service.port, `/api/configs/${A}.json`), 500, 'INVALID_STORED_CONFIG', 'device GET of a directory');
  const put409 = await put(service, A, { deviceName: 'over a directory' });
  expectError(put409, 409, 'INVALID_STORED_CONFIG', 'PUT over a directory', /not a regular file/);
  outcomes.push(`PUT over a directory: ${put409.status} ${(json(put409) as { code: string; error: string }).code} "${(json(put409) as { error: string }).error}"`);
  const del = await request(service.port, `/api/configs/${A}`, { method: 'DELETE' });
  outcomes.push(`DELETE of a directory: ${del.status} ${(json(del) as { code: string }).code} "${(json(del) as { error: string }).error}"`);
  expectError(del, 409, 'INVALID_STORED_CONFIG', 'DELETE of a directory', /not a regular file/);
  const list = await eventually(async () => {
    const res = await request(service.port, '/api/configs');
    return (json(res) as { skipped: { filename: string }[] }).skipped.some((s) => s.filename === `${A}.json`);
  });
  if (!list) violation('faults: a directory named like a config is not reported in skipped');
  if ((await fs.readFile(path.join(file, 'keep'), 'utf8')) !== 'something an admin put here') violation('faults: the directory was changed');
  await expectNoLeftovers(dir, 'writes over a directory');
  await fs.rm(file, { recursive: true });
  const next = { deviceName: 'a file again' };
  if ((await put(service, A, next)).status !== 200) violation('faults: no recovery after the directory was removed');
  return storedBytes(next);
}

/** Fills `volume` with a filler file until the disk is full; returns the function that frees it. */
async function fillVolume(volume: string): Promise<() => Promise<void>> {
  const filler = path.join(volume, 'filler');
  const handle = await fs.open(filler, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (let i = 0; i < 100_000; i++) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  // Smaller chunks fill the last few bytes.
  for (const size of [1024, 64, 1]) {
    const h = await fs.open(filler, 'a');
    try {
      for (let i = 0; i < 10_000; i++) await h.write(Buffer.alloc(size, 1));
    } catch {
      // full
    } finally {
      await h.close();
    }
  }
  return () => fs.rm(filler, { force: true });
}

/**
 * Disk and permission faults: a full disk, a read-only volume, the directory
 * removed and re-created (and replaced by a file), a config replaced by a
 * directory. As root on Linux the volume is a real 512 KiB tmpfs mounted by
 * the suite; otherwise ENOSPC is simulated and read-only is chmod 0555.
 */
export async function faultsPhase(root: string, log: (line: string) => void): Promise<void> {
  const volume = path.join(root, 'volume');
  await fs.mkdir(volume);
  let mounted = false;
  const lazyUnmount = () => {
    try {
      execFileSync('umount', ['-l', volume], { stdio: 'pipe' });
    } catch {
      // not mounted any more
    }
  };
  if (isRoot) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', volume], { stdio: 'pipe' });
      mounted = true;
      // Even if the suite is ended early (the watchdog), the mount does not outlive it.
      process.once('exit', lazyUnmount);
    } catch (error) {
      log(`faults: cannot mount a tmpfs (${(error as Error).message.split('\n')[0]}); simulating instead`);
    }
  }
  const dir = path.join(volume, 'configs');
  await fs.mkdir(dir);
  const flag = path.join(root, 'enospc-now');
  const preload = pathToFileURL(path.join(ROOT, 'test/reliability/lib/enospc-preload.mjs')).href;
  const service = await Service.start(
    { ESP32_CONFIGS_DIR: dir, ...(mounted ? {} : { RELIABILITY_ENOSPC_FLAG: flag }) },
    mounted ? {} : { execArgv: ['--import', preload] },
  );
  try {
    const first = { deviceName: 'precious', enableOTA: true };
    if ((await put(service, A, first)).status !== 200) violation('faults: baseline PUT failed');
    let current = storedBytes(first);

    const simulateFull = async (): Promise<() => Promise<void>> => {
      if (mounted) return fillVolume(volume);
      await fs.writeFile(flag, '');
      return () => fs.rm(flag, { force: true });
    };
    current = await fullDisk(service, dir, current, simulateFull);
    await expectFile(dir, A, current, 'after recovery from a full disk');

    const makeReadOnly = () => (mounted ? execFileSync('mount', ['-o', 'remount,ro', volume]) : execFileSync('chmod', ['0555', dir]));
    const makeWritable = () => (mounted ? execFileSync('mount', ['-o', 'remount,rw', volume]) : execFileSync('chmod', ['0755', dir]));
    if (!mounted && isRoot) log('faults: read-only skipped: chmod does not stop root and no tmpfs could be mounted');
    else current = await readOnly(service, dir, current, makeReadOnly, makeWritable);

    current = await directoryRemoved(service, dir, current);
    await fileReplacedByDirectory(service, dir);
    if (!service.alive) violation('faults: the server died');
    for (const outcome of outcomes) log(`faults: ${outcome}`);
    log(
      `faults: ${mounted ? 'real 512 KiB tmpfs (full, remounted read-only)' : 'simulated ENOSPC, chmod 0555'}; directory removed, replaced by a file and restored; config replaced by a directory — each answered with a clear envelope, old file intact, recovered by itself`,
    );
  } finally {
    await service.kill('SIGKILL');
    if (mounted) {
      process.removeListener('exit', lazyUnmount);
      try {
        execFileSync('umount', [volume], { stdio: 'pipe' });
      } catch {
        lazyUnmount();
      }
    }
  }
}
