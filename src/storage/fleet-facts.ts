import { comparableValue, firstLeafMatch, MASKED_VALUE, summaryProblems, uniqueKeyValues, type LeafMatch, type LeafValue, type PathValue, type SummaryProblem } from '../domain/config-facts.js';
import type { PathStep } from '../domain/json-edit.js';
import type { ConfigStore } from './config-store.js';

export interface Duplicate {
  path: string;
  /** As the first of the devices (by MAC) spells it. */
  value: LeafValue;
  mac_addresses: string[];
}

export interface FleetChecks {
  /** Cache key of what is derived from them: changes with the listing. */
  version: number;
  duplicates: Duplicate[];
  /** The duplicates each device is part of. */
  byMac: ReadonlyMap<string, Duplicate[]>;
}

export interface SearchMatch extends LeafMatch {
  mac_address: string;
}

export interface FleetFactsOptions {
  /** The paths whose values no two devices should share. */
  uniqueKeys: readonly { path: string; steps: readonly PathStep[] }[];
  /** Keys whose values are secrets: masked, never searched. */
  secretKeys: RegExp;
}

interface ConfigFacts {
  unique: PathValue[];
  problems: SummaryProblem[];
}

const NO_FACTS: ConfigFacts = { unique: [], problems: [] };

function parsed(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * What the fleet's checks, its search and the honest summaries read from
 * the configs' content. Each is derived once per stored version of a config
 * (cached by its bytes, one Buffer per version, as validation is) and once
 * per version of the listing, so a request is an in-memory pass.
 */
export class FleetFacts {
  private readonly facts = new WeakMap<Buffer, ConfigFacts>();
  /** Each config's text in lower case, for the search to skip configs that cannot match without parsing them. */
  private readonly lowerText = new WeakMap<Buffer, string>();
  private checks: FleetChecks | null = null;

  constructor(
    private readonly store: ConfigStore,
    private readonly options: FleetFactsOptions,
  ) {}

  private factsOf(bytes: Buffer | undefined): ConfigFacts {
    if (bytes === undefined) return NO_FACTS;
    let facts = this.facts.get(bytes);
    if (facts === undefined) {
      const content = parsed(bytes);
      facts = { unique: uniqueKeyValues(content, this.options.uniqueKeys), problems: summaryProblems(content) };
      this.facts.set(bytes, facts);
    }
    return facts;
  }

  /** The summary keys of a config (by default as listed) that hold a value of the wrong type. */
  summaryProblemsOf(mac: string, bytes = this.store.storedBytes(mac)): SummaryProblem[] {
    return this.factsOf(bytes).problems;
  }

  /** Values of the unique keys held by more than one device, sorted by path and value. */
  async current(): Promise<FleetChecks> {
    const listing = await this.store.list();
    if (this.checks?.version === listing.version) return this.checks;
    const groups = new Map<string, Duplicate>();
    for (const { mac_address: mac } of listing.configs) {
      for (const { path, value } of this.factsOf(this.store.storedBytes(mac)).unique) {
        const key = `${path}\0${comparableValue(value)}`;
        const group = groups.get(key);
        if (group === undefined) groups.set(key, { path, value: this.masked(path, value), mac_addresses: [mac] });
        else group.mac_addresses.push(mac);
      }
    }
    const duplicates = [...groups.values()].filter((group) => group.mac_addresses.length > 1);
    duplicates.sort((a, b) => (a.path !== b.path ? (a.path < b.path ? -1 : 1) : a.mac_addresses[0]! < b.mac_addresses[0]! ? -1 : 1));
    const byMac = new Map<string, Duplicate[]>();
    for (const duplicate of duplicates) for (const mac of duplicate.mac_addresses) byMac.set(mac, [...(byMac.get(mac) ?? []), duplicate]);
    this.checks = { version: listing.version, duplicates, byMac };
    return this.checks;
  }

  /** The first match in each config (by MAC) of `text` in a leaf's path or value, case-insensitively, at most `limit`. */
  async search(text: string, limit: number): Promise<{ matches: SearchMatch[]; truncated: boolean }> {
    const needle = text.toLowerCase();
    const listing = await this.store.list();
    const isSecret = (key: string) => this.options.secretKeys.test(key);
    // A match's path joins keys with dots, so the text holds each dot-separated piece of the needle, not the needle.
    const pieces = needle.split('.').filter((piece) => piece !== '');
    // Escapes in the text (\" or \u00e9) hide what they stand for from a text search.
    const textSearchable = !/["\\]|[^\x20-\x7e]/.test(needle);
    const matches: SearchMatch[] = [];
    for (const { mac_address: mac } of listing.configs) {
      const bytes = this.store.storedBytes(mac);
      if (bytes === undefined) continue;
      let lower = this.lowerText.get(bytes);
      if (lower === undefined) this.lowerText.set(bytes, (lower = bytes.toString('utf8').toLowerCase()));
      // The text holds every key and value: one that lacks a piece of the needle holds no match.
      if (textSearchable && !lower.includes('\\u') && !pieces.every((piece) => lower.includes(piece))) continue;
      const match = firstLeafMatch(parsed(bytes), needle, isSecret);
      if (match === null) continue;
      if (matches.length === limit) return { matches, truncated: true };
      matches.push({ mac_address: mac, ...match });
    }
    return { matches, truncated: false };
  }

  private masked(path: string, value: LeafValue): LeafValue {
    return path.split('.').some((key) => this.options.secretKeys.test(key)) ? MASKED_VALUE : value;
  }
}
