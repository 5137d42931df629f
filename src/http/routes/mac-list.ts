import { ValidationFailed, type FieldError } from '../../domain/errors.js';
import { normaliseMac } from '../../domain/mac.js';

/** A list of MACs as a request gives it: the canonical ones, where each was first seen, and what is wrong. */
export interface MacList {
  macs: string[];
  /** By canonical MAC, its index in the list. */
  seen: Map<string, number>;
  errors: FieldError[];
}

/** Canonicalises each MAC of a list, naming each one that is not a MAC or is given twice. */
export function parseMacList(inputs: readonly string[], field: string, pointerOf: (index: number) => string | undefined): MacList {
  const macs: string[] = [];
  const seen = new Map<string, number>();
  const errors: FieldError[] = [];
  inputs.forEach((input, i) => {
    const mac = normaliseMac(input);
    const pointer = pointerOf(i);
    const problem = (message: string) => errors.push({ field, message, ...(pointer === undefined ? {} : { pointer }) });
    if (mac === null) problem(`${JSON.stringify(input.slice(0, 64))} is not a MAC address`);
    else if (seen.has(mac)) problem(`${mac} is given twice (items ${seen.get(mac)} and ${i})`);
    else seen.set(mac, i);
    if (mac !== null) macs.push(mac);
  });
  return { macs, seen, errors };
}

/** At most this many problems are listed in one answer: a bad list of 10,000 MACs gives a readable error. */
const LISTED_PROBLEMS = 20;

/** Throws one VALIDATION_FAILED listing the problems found, if any; `outcome` says what was not done. */
export function refuseProblems(errors: readonly FieldError[], outcome: string): void {
  if (errors.length === 0) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problems)` : '';
  throw new ValidationFailed(`${outcome}: ${errors[0]!.message}${more}`, errors.slice(0, LISTED_PROBLEMS));
}
