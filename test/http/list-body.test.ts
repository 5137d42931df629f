import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../src/domain/config-summary.js';
import type { ConfigSummary } from '../../src/domain/config-summary.js';
import { listResponseBodies, type FleetValidationView } from '../../src/http/routes/config-body.js';
import { validationListExtras } from '../../src/http/routes/validation-body.js';
import type { ConfigListing } from '../../src/storage/config-store.js';
import { NO_SCHEMA } from '../../src/storage/config-validation.js';

const summaries = (names: string[]): ConfigSummary[] => names.map((name, i) => summarizeConfig(`aa-bb-cc-dd-ee-${String(i).padStart(2, '0')}`, { deviceName: name }));
const listing = (version: number, names: string[], skipped: ConfigListing['skipped'] = []): ConfigListing => ({ version, configs: summaries(names), skipped });
const NONE = { schema: null, valid: true, error_count: 0 };
const noSchemas = (version = 0): FleetValidationView => ({ version, resultOf: () => NO_SCHEMA });

/** A list body builder with the validation member, as the route makes it, and the view it answers with. */
function withValidation() {
  const validation = validationListExtras();
  const build = listResponseBodies([validation]);
  return (l: ConfigListing, view: FleetValidationView) => {
    validation.use(view);
    return build(l);
  };
}

describe('list bodies', () => {
  it('are the bytes JSON.stringify gives, for an empty list, one config, many, and skipped files', () => {
    const plain = listResponseBodies();
    const validated = withValidation();
    const cases = [
      listing(1, []),
      listing(2, ['one']),
      listing(3, ['one', 'two', 'Café "quoted"']),
      listing(4, ['x'], [{ filename: 'notes.txt', reason: 'the name is not a canonical <mac>.json' }]),
    ];
    for (const l of cases) {
      expect(plain(l).toString()).toBe(JSON.stringify({ configs: l.configs, count: l.configs.length, skipped: l.skipped }));
      expect(validated(l, noSchemas()).toString()).toBe(JSON.stringify({ configs: l.configs.map((c) => ({ ...c, validation: NONE })), count: l.configs.length, skipped: l.skipped }));
    }
  });

  it('are built once per version of the listing', () => {
    const bodyFor = withValidation();
    const v1 = listing(1, ['one', 'two']);
    const first = bodyFor(v1, noSchemas());
    expect(bodyFor(v1, noSchemas())).toBe(first);
    const v2 = listing(2, ['uno', 'dos']);
    expect(bodyFor(v2, noSchemas())).not.toBe(first);
    expect(JSON.parse(bodyFor(v2, noSchemas()).toString()).configs.map((c: ConfigSummary) => c.device_name)).toEqual(['uno', 'dos']);
  });

  it('are rebuilt when the schemas change, with each item\'s validation', () => {
    const bodyFor = withValidation();
    const v1 = listing(1, ['one']);
    const first = bodyFor(v1, noSchemas(0));
    expect(bodyFor(v1, noSchemas(0))).toBe(first);
    const failing = { version: 1, resultOf: () => ({ schema: 'default', valid: false, errors: [{ pointer: '/a', message: 'is required', keyword: 'required' }] }) };
    const body = JSON.parse(bodyFor(v1, failing).toString()) as { configs: { validation: unknown }[] };
    expect(body.configs[0]!.validation).toEqual({ schema: 'default', valid: false, error_count: 1 });
  });
});
