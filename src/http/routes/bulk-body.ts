import type { FieldError } from '../../domain/errors.js';
import { parseEditPath, type PathStep } from '../../domain/json-edit.js';
import { normaliseMac } from '../../domain/mac.js';
import type { BulkChange, BulkEdit } from '../../storage/bulk-edit.js';
import type { BulkEditRequest } from '../schemas/fleet.js';
import { parseMacList, refuseProblems } from './mac-list.js';

const ETAG = /^(W\/)?"[^"]*"$/;

/**
 * The bulk edit a request asks for, every part checked before anything is
 * read or written: one VALIDATION_FAILED lists what is wrong.
 */
export function bulkEditOf(body: BulkEditRequest, dryRun: boolean, actor: string | null): BulkEdit {
  const errors: FieldError[] = [];
  const problem = (field: string, message: string, pointer?: string) => errors.push({ field, message, ...(pointer === undefined ? {} : { pointer }) });

  const { macs, seen, errors: macErrors } = parseMacList(body.macs, 'macs', (i) => `/macs/${i}`);
  errors.push(...macErrors);

  const steps = (path: string, field: string, pointer: string): PathStep[] => {
    const parsed = parseEditPath(path);
    if ('error' in parsed) {
      problem(field, `${JSON.stringify(path.slice(0, 64))}: ${parsed.error}`, pointer);
      return [];
    }
    return parsed.steps;
  };

  let change: BulkChange;
  const byPaths = body.set !== undefined || body.unset !== undefined;
  if (body.patch !== undefined && byPaths) problem('body', 'Give either `patch` or `set`/`unset`, not both');
  if (body.patch === undefined && !byPaths) problem('body', 'Give the change: `patch`, or `set` and/or `unset`');
  if (byPaths && (body.set ?? []).length + (body.unset ?? []).length === 0) problem('body', '`set` and `unset` name no path');
  if (body.patch !== undefined) {
    change = { kind: 'patch', patch: body.patch };
  } else {
    change = {
      kind: 'paths',
      set: (body.set ?? []).map(({ path, value }, i) => ({ steps: steps(path, 'set', `/set/${i}/path`), value })),
      unset: (body.unset ?? []).map((path, i) => steps(path, 'unset', `/unset/${i}`)),
    };
  }

  const ifMatch = new Map<string, string>();
  for (const [key, etag] of Object.entries(body.if_match ?? {})) {
    const mac = normaliseMac(key);
    const pointer = `/if_match/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (mac === null || !seen.has(mac)) problem('if_match', `${JSON.stringify(key.slice(0, 64))} is not one of the MACs in \`macs\``, pointer);
    else if (!ETAG.test(etag)) problem('if_match', `${JSON.stringify(etag.slice(0, 64))} is not an ETag as answered, quotes included`, pointer);
    else ifMatch.set(mac, etag);
  }

  refuseProblems(errors, 'Nothing was changed');
  return { macs, change, ifMatch, dryRun, actor };
}
