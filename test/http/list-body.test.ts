import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../src/domain/config-summary.js';
import type { ConfigSummary } from '../../src/domain/config-summary.js';
import { listResponseBodies } from '../../src/http/routes/config-body.js';
import type { ConfigListing } from '../../src/storage/config-store.js';

const summaries = (names: string[]): ConfigSummary[] => names.map((name, i) => summarizeConfig(`aa-bb-cc-dd-ee-${String(i).padStart(2, '0')}`, { deviceName: name }));
const listing = (version: number, names: string[]): ConfigListing => ({ version, configs: summaries(names), skipped: [] });
const expected = (l: ConfigListing) => JSON.stringify({ configs: l.configs, count: l.configs.length, skipped: l.skipped });

describe('list bodies', () => {
  it('are built into the memory of a superseded list once no response is sending it, never while one is', () => {
    const bodyFor = listResponseBodies();
    const [sending, sendingToo] = [new EventEmitter(), new EventEmitter()];
    const v1 = listing(1, ['one', 'two', 'three']);
    const first = bodyFor(v1, sending);
    expect(first.toString()).toBe(expected(v1));
    // The same version is not built again.
    expect(bodyFor(v1, sendingToo)).toBe(first);

    const v2 = listing(2, ['uno', 'dos', 'tres']);
    const second = bodyFor(v2, new EventEmitter());
    sending.emit('close');
    // v1 is superseded but still being sent to one response.
    const v3 = listing(3, ['eins', 'zwei', 'drei']);
    const third = bodyFor(v3, new EventEmitter());
    expect(new Set([first.buffer, second.buffer, third.buffer]).size).toBe(3);
    expect(first.toString()).toBe(expected(v1));

    sendingToo.emit('close');
    // Now v1 is sent: the next list is built in its memory, and is whole; the lists still being sent are unchanged.
    const v4 = listing(4, ['un', 'deux', 'trois']);
    const fourth = bodyFor(v4, new EventEmitter());
    expect(fourth.buffer).toBe(first.buffer);
    expect(fourth.toString()).toBe(expected(v4));
    expect(second.toString()).toBe(expected(v2));
    expect(third.toString()).toBe(expected(v3));
  });

  it('leave alone the memory of a list grown much bigger than the one to build', () => {
    const bodyFor = listResponseBodies();
    const sent = new EventEmitter();
    const big = bodyFor(listing(1, Array.from({ length: 100 }, (_, i) => `device ${i}`)), sent);
    bodyFor(listing(2, ['one']), new EventEmitter());
    sent.emit('close');
    const small = listing(3, ['two']);
    const body = bodyFor(small, new EventEmitter());
    expect(body.buffer).not.toBe(big.buffer);
    expect(body.toString()).toBe(expected(small));
  });

  it('take up the memory of their new size once the fleet grew or shrank past what the kept ones fit', () => {
    const bodyFor = listResponseBodies();
    const built: Buffer[] = [];
    // Lists of 100 configs, then of one, each superseded by the next and sent at once.
    const sizes = [100, 100, 1, 1, 1, 1];
    for (const [version, size] of sizes.entries()) {
      const sent = new EventEmitter();
      built.push(bodyFor(listing(version, Array.from({ length: size }, (_, i) => `device ${i}`)), sent));
      sent.emit('close');
    }
    // The lists of 100 are kept no longer once lists of one are retired: from the fifth on, each is built in the memory of one.
    expect(built[4]!.buffer).toBe(built[2]!.buffer);
    expect(built[5]!.buffer).toBe(built[3]!.buffer);
  });
});
