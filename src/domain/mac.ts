import { InvalidOperation } from './errors.js';

/** Canonical MAC form: lowercase, hyphen-separated, e.g. `aa-bb-cc-dd-ee-ff`. It is also the file name stem. */
export const CANONICAL_MAC_PATTERN = /^[0-9a-f]{2}(?:-[0-9a-f]{2}){5}$/;

const SEPARATED_MAC = /^[0-9a-f]{2}([-:])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const BARE_MAC = /^[0-9a-f]{12}$/i;

/**
 * Normalises a MAC address written in any letter case, with `-` or `:`
 * separators (used consistently) or none, to the canonical form.
 * Returns null for anything else.
 */
export function normaliseMac(input: string): string | null {
  // What devices and the UI send: already canonical.
  if (CANONICAL_MAC_PATTERN.test(input)) return input;
  let hex: string;
  if (SEPARATED_MAC.test(input)) hex = input.replace(/[-:]/g, '');
  else if (BARE_MAC.test(input)) hex = input;
  else return null;
  return hex.toLowerCase().match(/../g)!.join('-');
}

/** Like {@link normaliseMac}, but throws INVALID_OPERATION naming the bad value. */
export function parseMac(input: string, field = 'MAC address'): string {
  const mac = normaliseMac(input);
  // Most often `/api/configs/`, the list's address with a trailing slash.
  if (input === '' && field === 'MAC address') throw new InvalidOperation('No MAC address in the URL (the list of configs is /api/configs, without a trailing slash)', { value: '' });
  if (mac === null) {
    const shown = input.length > 64 ? `${input.slice(0, 64)}…` : input;
    // `/api/configs/<mac>.json` is the devices' read-only route; the admin API names a config without `.json`.
    const hint = input.endsWith('.json') && normaliseMac(input.slice(0, -5)) !== null ? ' without ".json" (only devices fetch <mac>.json)' : '';
    throw new InvalidOperation(
      `Invalid ${field} ${JSON.stringify(shown)}: expected 12 hex digits${hint}, e.g. aa-bb-cc-dd-ee-ff, AA:BB:CC:DD:EE:FF or aabbccddeeff`,
      { value: shown },
    );
  }
  return mac;
}

export function configFileName(mac: string): string {
  return `${mac}.json`;
}

const CONFIG_FILE_NAME = /^([0-9a-f]{2}(?:-[0-9a-f]{2}){5})\.json$/;

/** The canonical MAC a file name stands for, or null when the name is not a canonical `<mac>.json`. */
export function macFromFileName(name: string): string | null {
  return CONFIG_FILE_NAME.exec(name)?.[1] ?? null;
}
