/**
 * One durable atomic write made with synchronous calls, shared by the
 * benchmark's writers that run off the event loop (bench/durable-writer.mjs,
 * bench/reference-writer.mjs): write `bytes` to the new file `temp`, fsync
 * it, rename it over `target`, fsync the directory (`directory`, an open
 * descriptor of it). On failure the temp file is removed.
 */
import fs from 'node:fs';

export function writeDurablySync(temp, target, bytes, directory) {
  try {
    const fd = fs.openSync(temp, 'wx');
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.fsyncSync(directory);
}
