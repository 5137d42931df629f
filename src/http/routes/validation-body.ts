import type { ConfigSummary } from '../../domain/config-summary.js';
import type { FleetValidationView, ListExtras } from './config-body.js';

/** The `validation` member of each config in the list, from the fleet's validation as the route last read it. */
export interface ValidationListExtras extends ListExtras {
  /** The fleet's validation to answer with; the list body is rebuilt when its version changes. */
  use(view: FleetValidationView): void;
}

/** Each member's bytes are kept while its config and the schemas are unchanged. */
export function validationListExtras(): ValidationListExtras {
  let view: FleetValidationView | null = null;
  const members = new WeakMap<ConfigSummary, { version: number; bytes: Buffer }>();
  return {
    use(next) {
      view = next;
    },
    key: () => view?.version ?? -1,
    members(listing, index) {
      const summary = listing.configs[index]!;
      const version = view?.version ?? -1;
      const kept = members.get(summary);
      if (kept?.version === version) return kept.bytes;
      const result = view?.resultOf(summary.mac_address) ?? { schema: null, valid: true, errors: [] };
      const bytes = Buffer.from(`,"validation":${JSON.stringify({ schema: result.schema, valid: result.valid, error_count: result.errors.length })}`);
      members.set(summary, { version, bytes });
      return bytes;
    },
  };
}
