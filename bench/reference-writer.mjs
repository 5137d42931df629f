/**
 * The writer thread of the `node-http-writer-thread` reference
 * (bench/reference-server.mjs): each message is one whole durable write,
 * made with synchronous calls on this thread (bench/durable-write.mjs), so
 * that the event loop hands a save off once instead of once per call that
 * may wait.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { writeDurablySync } from './durable-write.mjs';

parentPort.on('message', ({ id, temp, target, bytes }) => {
  try {
    // Opened for each write, as the thread-pool variant does.
    const directory = fs.openSync(path.dirname(target), 'r');
    try {
      writeDurablySync(temp, target, bytes, directory);
    } finally {
      fs.closeSync(directory);
    }
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
