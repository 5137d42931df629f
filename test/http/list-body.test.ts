import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../src/domain/config-summary.js';
import type { ConfigSummary } from '../../src/domain/config-summary.js';
import { listResponseBodies } from '../../src/http/routes/config-body.js';
import type { ConfigListing } from '../../src/storage/config-store.js';

const summaries = (names: string[]): ConfigSummary[] => names.map((name, i) => summarizeConfig(`aa-bb-cc-dd-ee-${String(i).padStart(2, '0')}`, { deviceName: name }));
const listing = (version: number, names: string[], skipped: ConfigListing['skipped'] = []): ConfigListing => ({ version, configs: summaries(names), skipped });
const expected = (l: ConfigListing) => JSON.stringify({ configs: l.configs, count: l.configs.length, skipped: l.skipped });

describe('list bodies', () => {
  it('are the bytes JSON.stringify gives, for an empty list, one config, many, and skipped files', () => {
    const bodyFor = listResponseBodies();
    const cases = [
      listing(1, []),
      listing(2, ['one']),
      listing(3, ['one', 'two', 'Café "quoted"']),
      listing(4, ['x'], [{ filename: 'notes.txt', reason: 'the name is not a canonical <mac>.json' }]),
    ];
    for (const l of cases) expect(bodyFor(l).toString()).toBe(expected(l));
  });

  it('are built once per version of the listing', () => {
    const bodyFor = listResponseBodies();
    const v1 = listing(1, ['one', 'two']);
    const first = bodyFor(v1);
    expect(bodyFor(v1)).toBe(first);
    const v2 = listing(2, ['uno', 'dos']);
    expect(bodyFor(v2)).not.toBe(first);
    expect(bodyFor(v2).toString()).toBe(expected(v2));
  });
});
