import type { SummaryProblem } from '../api/client.js';

const EXPECTED = { deviceName: 'string', deviceEntityId: 'string', enableOTA: 'boolean' } as const;

/**
 * The summary keys the editor's text holds with another type than the summary takes, as the service reports them in
 * `summary_problems` (src/domain/config-facts.ts, which the browser cannot import: it pulls in node:crypto).
 */
export function summaryProblemsOf(content: Record<string, unknown>): SummaryProblem[] {
  return Object.entries(EXPECTED).flatMap(([key, expected]) => {
    if (!Object.hasOwn(content, key) || typeof content[key] === expected) return [];
    const value = content[key];
    const shown = Array.isArray(value) ? 'an array' : typeof value === 'object' && value !== null ? 'an object' : value;
    return [{ key, value: shown, expected }];
  });
}
