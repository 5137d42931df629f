import { comparableValue, firstLeafMatch, MASKED_VALUE, summaryProblems, uniqueKeyValues, type LeafMatch, type LeafValue, type PathValue, type SummaryProblem } from '../domain/config-facts.js';
import type { PathStep } from '../domain/json-edit.js';
import type { ConfigStore } from './config-store.js';
import { parsedConfig } from './config-validation.js';

export interface Duplicate {
  path: string;
  /** As the first of the devices (by MAC) spells it. */
  value: LeafValue;
  mac_addresses: string[];
}

/** A duplicate as one device's config shows it: the first few devices that hold it, and how many do. */
export interface DeviceDuplicate extends Duplicate {
  count: number;
}

/** Devices a config's own `duplicates` names: a value shared by the whole fleet must not put the fleet in every list item. */
export const DEVICE_DUPLICATE_MACS = 10;

export interface FleetChecks {
  /** Cache key of what is derived from them: changes with the listing. */
  version: number;
  duplicates: Duplicate[];
  /** The duplicates each device is part of. */
  byMac: ReadonlyMap<string, DeviceDuplicate[]>;
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

/** A search serves the index as it is when younger than this, rescanning in the background: a scan of a large fleet takes longer than the search itself. */
const SEARCH_LIST_MAX_AGE_MS = 10_000;

const NO_FACTS: ConfigFacts = { unique: [], problems: [] };

/**
 * What the fleet's checks, its search and the honest summaries read from
 * the configs' content. Each is derived once per stored version of a config
 * (cached by its bytes, one Buffer per version, as validation is) and once
 * per version of the listing, so a request is an in-memory pass.
 */
export class FleetFacts {
  private readonly facts = new WeakMap<Buffer, ConfigFacts>();
  /** Each config's text in lower case, for the search to skip configs that cannot match without parsing them, and whether it holds a \u escape. */
  private readonly lowerText = new WeakMap<Buffer, { text: string; escapes: boolean }>();
  private checks: FleetChecks | null = null;

  constructor(
    private readonly store: ConfigStore,
    private readonly options: FleetFactsOptions,
  ) {}

  /** The paths checked for duplicates (UNIQUE_KEYS), in their configured order. */
  get uniqueKeyPaths(): string[] {
    return this.options.uniqueKeys.map((key) => key.path);
  }

  private factsOf(bytes: Buffer | undefined): ConfigFacts {
    if (bytes === undefined) return NO_FACTS;
    let facts = this.facts.get(bytes);
    if (facts === undefined) {
      const content = parsedConfig(bytes);
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
    const byMac = new Map<string, DeviceDuplicate[]>();
    for (const duplicate of duplicates) {
      const shown = { ...duplicate, mac_addresses: duplicate.mac_addresses.slice(0, DEVICE_DUPLICATE_MACS), count: duplicate.mac_addresses.length };
      for (const mac of duplicate.mac_addresses) {
        const list = byMac.get(mac);
        if (list === undefined) byMac.set(mac, [shown]);
        else list.push(shown);
      }
    }
    this.checks = { version: listing.version, duplicates, byMac };
    return this.checks;
  }

  /** The first match in each config (by MAC) of `text` in a leaf's path or value, case-insensitively, at most `limit`. */
  async search(text: string, limit: number): Promise<{ matches: SearchMatch[]; truncated: boolean }> {
    const needle = text.toLowerCase();
    const listing = await this.store.listWithin(SEARCH_LIST_MAX_AGE_MS);
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
      if (lower === undefined) {
        const text = bytes.toString('utf8').toLowerCase();
        this.lowerText.set(bytes, (lower = { text, escapes: text.includes('\\u') }));
      }
      // The text holds every key and value: one that lacks a piece of the needle holds no match.
      if (textSearchable && !lower.escapes && !pieces.every((piece) => lower.text.includes(piece))) continue;
      const match = firstLeafMatch(parsedConfig(bytes), needle, isSecret);
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
