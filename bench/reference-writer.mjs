/**
 * The writer thread of the `node-http-writer-thread` reference
 * (bench/reference-server.mjs): each message is one whole durable write,
 * made with synchronous calls on this thread (temp file, write, fsync,
 * rename over the target, directory fsync), so that the event loop hands a
 * save off once instead of once per call that may wait.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', ({ id, temp, target, bytes }) => {
  try {
    const fd = fs.openSync(temp, 'wx');
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
    const directory = fs.openSync(path.dirname(target), 'r');
    try {
      fs.fsyncSync(directory);
    } finally {
      fs.closeSync(directory);
    }
    parentPort.postMessage({ id });
  } catch (error) {
    fs.rmSync(temp, { force: true });
    parentPort.postMessage({ id, error: String(error) });
  }
});
