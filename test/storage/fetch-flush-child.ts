// Run by fetch-records.test.ts as a process of its own, to be killed with SIGKILL in the middle of its flushes.
import pino from 'pino';
import { FetchRecords } from '../../src/storage/fetch-records.js';

const records = new FetchRecords({ dir: process.argv[2]!, logger: pino({ level: 'silent' }), flushMs: 3_600_000, pollMs: 3_600_000 });
let round = 0;
for (;;) {
  round++;
  for (let i = 0; i < 5000; i++) {
    const mac = `aa-bb-cc-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 255).toString(16).padStart(2, '0')}-00`;
    records.record(mac, 200, `"round-${round}"`, '10.0.0.1', `firmware ${'x'.repeat(100)}`);
  }
  await records.flush();
  process.stdout.write(`${round}\n`);
}
