import type { ConfigSummary } from '../../domain/config-summary.js';
import type { FleetChecks, FleetFacts } from '../../storage/fleet-facts.js';
import type { ListExtras } from './config-body.js';

/** `,"duplicates":[...]` and `,"summary_problems":[...]` for one config, each only when it has some. */
export function factsMembers(facts: FleetFacts, checks: FleetChecks, mac: string, bytes?: Buffer): string {
  const duplicates = checks.byMac.get(mac);
  const problems = facts.summaryProblemsOf(mac, bytes);
  return `${duplicates === undefined ? '' : `,"duplicates":${JSON.stringify(duplicates)}`}${problems.length === 0 ? '' : `,"summary_problems":${JSON.stringify(problems)}`}`;
}

/** A config body with its fleet facts added as the last members. */
export function withFacts(body: Buffer, members: string): Buffer {
  return members === '' ? body : Buffer.concat([body.subarray(0, -1), Buffer.from(members), body.subarray(-1)]);
}

/** The fleet facts' members of each config in the list, from the checks as the route last read them. */
export interface FactsListExtras extends ListExtras {
  use(checks: FleetChecks): void;
}

const NOTHING = Buffer.alloc(0);

/** Each member's bytes are kept while its config and the checks are unchanged. */
export function factsListExtras(facts: FleetFacts): FactsListExtras {
  let checks: FleetChecks | null = null;
  const members = new WeakMap<ConfigSummary, { checks: FleetChecks; bytes: Buffer }>();
  return {
    use(next) {
      checks = next;
    },
    key: () => checks,
    members(listing, index) {
      const summary = listing.configs[index]!;
      if (checks === null) return NOTHING;
      const kept = members.get(summary);
      if (kept?.checks === checks) return kept.bytes;
      const text = factsMembers(facts, checks, summary.mac_address);
      const bytes = text === '' ? NOTHING : Buffer.from(text);
      members.set(summary, { checks, bytes });
      return bytes;
    },
  };
}
