import type { BulkEditRequest, BulkResult, JsonChange } from '../api/client.js';

/** The change a person asks for in the bulk dialog, as typed. */
export type BulkChangeForm =
  | { mode: 'set'; path: string; valueText: string }
  | { mode: 'unset'; path: string }
  | { mode: 'patch'; patchText: string };

export type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/**
 * The value typed for a set: JSON when it parses (`8883`, `true`, `"x"`, `{"a":1}`), otherwise the text itself as a
 * string, so `mqtt2.home.lan` needs no quotes.
 */
export function parseTypedValue(text: string): { value: unknown; type: ValueType } {
  try {
    const value: unknown = JSON.parse(text);
    return { value, type: value === null ? 'null' : Array.isArray(value) ? 'array' : (typeof value as ValueType) };
  } catch {
    return { value: text, type: 'string' };
  }
}

/** The request for a bulk change of `macs`, or what is wrong with the form. */
export function bulkRequestOf(form: BulkChangeForm, macs: readonly string[]): { request: BulkEditRequest } | { error: string } {
  if (form.mode === 'patch') {
    let patch: unknown;
    try {
      patch = JSON.parse(form.patchText);
    } catch {
      return { error: 'The merge patch is not valid JSON' };
    }
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return { error: 'A merge patch is a JSON object ({ … })' };
    return { request: { macs: [...macs], patch: patch as Record<string, unknown> } };
  }
  const path = form.path.trim();
  if (path === '') return { error: 'Give the path of the value, such as mqtt.host' };
  if (form.mode === 'unset') return { request: { macs: [...macs], unset: [path] } };
  return { request: { macs: [...macs], set: [{ path, value: parseTypedValue(form.valueText).value }] } };
}

/** A JSON value in a line of text, cut when long. */
export function shortJson(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One change of a dry run in words: `mqtt.host: "a" → "b"`, `+ ota.url: "…"`, `− legacy`. */
export function describeChange(change: JsonChange): string {
  const path = change.path || '(whole config)';
  if (!('before' in change)) return `+ ${path}: ${shortJson(change.after)}`;
  if (!('after' in change)) return `− ${path} (was ${shortJson(change.before)})`;
  return `${path}: ${shortJson(change.before)} → ${shortJson(change.after)}`;
}

export const RESULT_LABELS: Record<BulkResult['status'], string> = {
  saved: 'Saved',
  unchanged: 'Unchanged',
  conflict: 'Changed meanwhile: not overwritten',
  not_found: 'Not found',
  failed: 'Failed',
};

/** The devices worth another try: changed meanwhile (to preview again) or failed. */
export function retryable(results: readonly BulkResult[]): string[] {
  return results.filter((result) => result.status === 'conflict' || result.status === 'failed').map((result) => result.mac_address);
}
