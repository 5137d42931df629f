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
  const pushConflict = (mine: string[], base: string[], theirs: string[]) => {
    const last = hunks.at(-1);
    if (last?.kind === 'conflict') {
      last.mine.push(...mine);
      last.base.push(...base);
      last.theirs.push(...theirs);
    } else hunks.push({ kind: 'conflict', mine: [...mine], base: [...base], theirs: [...theirs] });
  };
  for (const region of diff3Merge<string>(lines(mine), lines(base), lines(theirs), { excludeFalseConflicts: true })) {
    if (region.ok) {
      pushClean(region.ok);
      continue;
    }
    const { a, o, b } = region.conflict!;
    if (a.length !== o.length || b.length !== o.length) {
      pushConflict(a, o, b);
      continue;
    }
    // diff3 counts edits to neighbouring lines as one conflict, and a JSON config's keys sit on neighbouring lines.
    // Where neither side added or removed lines, the lines pair up one to one: each is taken from the side that
    // changed it, and only a line changed differently by both is left to choose.
    for (const [index, original] of o.entries()) {
      const ours = a[index]!;
      const other = b[index]!;
      if (ours !== original && other !== original && ours !== other) pushConflict([ours], [original], [other]);
      else pushClean([ours !== original ? ours : other]);
    }
  }
  return { hunks, conflicts: hunks.filter((hunk) => hunk.kind === 'conflict').length };
}

/** The merged text with each conflict resolved as chosen; null while a conflict has no choice. */
export function resolveMerge(merge: ThreeWayMerge, choices: readonly (ConflictChoice | undefined)[]): string | null {
  for (let conflict = 0; conflict < merge.conflicts; conflict++) if (choices[conflict] === undefined) return null;
  // Every conflict chosen: no marker is left.
  return mergeWithMarkers(merge, choices);
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
