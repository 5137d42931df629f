/**
 * Durable atomic writes at a steady rate, with nothing but the filesystem
 * calls a save makes (temp file, write, fsync, rename over the target,
 * directory fsync), in a directory of its own on the fleet's filesystem.
 * The benchmark runs it beside pure reads to measure what the writes of the
 * mixed load cost the machine before any of the service's own work:
 * `node durable-writer.mjs <dir> <writes per second> <bytes>`. On SIGTERM
 * it prints how many writes it made.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeDurablySync } from './durable-write.mjs';

const [dir, perSecond, size] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
fs.mkdirSync(dir, { recursive: true });
const bytes = Buffer.alloc(size, '{}');
const directory = fs.openSync(dir, 'r');
const startedAt = Date.now();
let written = 0;

function writeOne() {
  const target = path.join(dir, `${written % 200}.json`);
  writeDurablySync(`${target}.tmp`, target, bytes, directory);
  written++;
}

// Catch up every 5 ms with the writes due by now, so the rate holds whatever each write costs.
setInterval(() => {
  const due = Math.floor(((Date.now() - startedAt) * perSecond) / 1000);
  while (written < due) writeOne();
}, 5);

process.on('SIGTERM', () => {
  process.stdout.write(`${written}\n`);
  process.exit(0);
});
