// The service's own pure helpers, so the UI parses MACs and derives summaries exactly as it does.
export { macFromFileName, normaliseMac } from '../../../src/domain/mac.js';
export { summarizeConfig } from '../../../src/domain/config-summary.js';
import { formatJsonText, jsonSyntaxError, memberText } from '../../../src/domain/json-text.js';

/** The editor's text checked as a config: a JSON object, or the reason it is not one. */
export type ConfigTextCheck =
  | { valid: true; content: Record<string, unknown> }
  | { valid: false; message: string };

export function checkConfigText(text: string): ConfigTextCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's message has no position for many errors (a stray quote, a misspelt `true`): say where, and what.
    const found = jsonSyntaxError(text);
    if (found) return { valid: false, message: `Line ${found.line}, column ${found.column}: ${found.message}` };
    return { valid: false, message: error instanceof SyntaxError ? error.message : 'Not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { valid: false, message: 'A config must be a JSON object ({ … })' };
  }
  return { valid: true, content: value as Record<string, unknown> };
}

/** Pretty-printed the way the service stores it: 2-space indent. */
export function formatConfigText(content: unknown): string {
  return JSON.stringify(content, null, 2);
}

/**
 * The `content` of a config response, laid out as the service stores it,
 * taken from the response text rather than from parsed values, so numbers
 * such as `1.50` or `12345678901234567890` and key order show exactly as stored.
 */
export function storedContentText(responseText: string): string {
  return formatJsonText(memberText(responseText, 'content') ?? '{}');
}

/** Re-indents valid JSON text the way the service stores it, keeping every number and string as written. */
export function formatJsonSource(text: string): string {
  return formatJsonText(text);
}

export const NEW_CONFIG_TEMPLATE = formatConfigText({ deviceName: '', deviceEntityId: '', enableOTA: false });
