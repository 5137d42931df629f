import { diff3Merge } from 'node-diff3';

/** A stretch of the merge: lines both sides agree on (or only one side changed), or lines changed on both sides. */
export type MergeHunk = { kind: 'clean'; lines: string[] } | { kind: 'conflict'; mine: string[]; base: string[]; theirs: string[] };

export interface ThreeWayMerge {
  hunks: MergeHunk[];
  /** How many hunks are conflicts. */
  conflicts: number;
}

/** Which side a conflict keeps; undefined while the person has not chosen. */
export type ConflictChoice = 'mine' | 'theirs';

const lines = (text: string) => text.split('\n');

/**
 * Merges `mine` and `theirs`, both edited from `base`, line by line. Changes to
 * different lines combine; a line changed differently on both sides is a conflict.
 */
export function mergeThreeWay(base: string, theirs: string, mine: string): ThreeWayMerge {
  const hunks: MergeHunk[] = [];
  const pushClean = (added: string[]) => {
    const last = hunks.at(-1);
    if (last?.kind === 'clean') last.lines.push(...added);
    else hunks.push({ kind: 'clean', lines: [...added] });
  };
  for (const region of diff3Merge<string>(lines(mine), lines(base), lines(theirs), { excludeFalseConflicts: true })) {
    if (region.ok) {
      pushClean(region.ok);
      continue;
    }
    const { a, o, b } = region.conflict!;
    const combined = combineInPlaceEdits(o, a, b);
    if (combined) pushClean(combined);
    else hunks.push({ kind: 'conflict', mine: a, base: o, theirs: b });
  }
  return { hunks, conflicts: hunks.filter((hunk) => hunk.kind === 'conflict').length };
}

/**
 * diff3 counts edits to neighbouring lines as one conflict (a JSON config's keys sit on neighbouring lines). When
 * neither side added or removed lines there, the lines pair up one to one, so each can be taken from whichever side
 * changed it; null when some line was changed differently by both.
 */
function combineInPlaceEdits(base: string[], mine: string[], theirs: string[]): string[] | null {
  if (mine.length !== base.length || theirs.length !== base.length) return null;
  const combined: string[] = [];
  for (const [index, original] of base.entries()) {
    const ours = mine[index]!;
    const other = theirs[index]!;
    if (ours !== original && other !== original && ours !== other) return null;
    combined.push(ours !== original ? ours : other);
  }
  return combined;
}

/** The merged text with each conflict resolved as chosen; null while a conflict has no choice. */
export function resolveMerge(merge: ThreeWayMerge, choices: readonly (ConflictChoice | undefined)[]): string | null {
  const out: string[] = [];
  let conflict = 0;
  for (const hunk of merge.hunks) {
    if (hunk.kind === 'clean') {
      out.push(...hunk.lines);
      continue;
    }
    const choice = choices[conflict++];
    if (choice === undefined) return null;
    out.push(...hunk[choice]);
  }
  return out.join('\n');
}

export const MARKERS = { mine: '<<<<<<< mine', base: '||||||| opened', separator: '=======', theirs: '>>>>>>> stored now' } as const;

/** The merged text with the chosen resolutions, and git-style markers around the conflicts still open, to edit by hand. */
export function mergeWithMarkers(merge: ThreeWayMerge, choices: readonly (ConflictChoice | undefined)[] = []): string {
  const out: string[] = [];
  let conflict = 0;
  for (const hunk of merge.hunks) {
    if (hunk.kind === 'clean') {
      out.push(...hunk.lines);
      continue;
    }
    const choice = choices[conflict++];
    if (choice) out.push(...hunk[choice]);
    else out.push(MARKERS.mine, ...hunk.mine, MARKERS.separator, ...hunk.theirs, MARKERS.theirs);
  }
  return out.join('\n');
}

/** True when the text still holds a conflict marker at the start of a line. */
export function hasConflictMarkers(text: string): boolean {
  return /^(<{7}|={7}|>{7}|\|{7})( |$)/m.test(text);
}
