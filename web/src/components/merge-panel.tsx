import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ApiClient } from '../api/client.js';
import { checkConfigText } from '../lib/config-text.js';
import { mergeThreeWay, mergeWithMarkers, resolveMerge, type ConflictChoice } from '../lib/three-way-merge.js';
import { DiffView } from './diff-view.js';
import { AlertIcon, SaveIcon } from './icons.js';
import { versionText } from './use-version-loader.js';
import './history.css';

/**
 * The text of the version the editor was opened from (the one whose ETag it loaded), or null when the history does
 * not have it (history off, or pruned): then only the two-way comparison is possible.
 */
export async function loadMergeBase(api: ApiClient, mac: string, openedEtag: string): Promise<string | null> {
  const { versions } = await api.getHistory(mac, { limit: 1000 });
  const opened = versions.find((entry) => entry.etag === openedEtag);
  if (!opened) return null;
  return versionText(await api.getVersion(mac, opened.version));
}

/**
 * After a refused save: the person's edits and the other admin's, merged three ways against the version the editor
 * was opened from. Changes to different lines are combined and shown for a last look; a line changed on both sides
 * is a conflict to settle here, one choice each, or by hand in the editor.
 */
export function MergePanel({
  base,
  theirs,
  mine,
  saving,
  onSave,
  onEditByHand,
  onCompareTwoWays,
}: {
  base: string;
  theirs: string;
  mine: string;
  saving: boolean;
  onSave: (merged: string) => void;
  onEditByHand: (text: string) => void;
  onCompareTwoWays: () => void;
}) {
  const merge = useMemo(() => mergeThreeWay(base, theirs, mine), [base, theirs, mine]);
  const [choices, setChoices] = useState<(ConflictChoice | undefined)[]>([]);
  const [layout, setLayout] = useState<'split' | 'unified'>(() => (window.matchMedia('(max-width: 720px)').matches ? 'unified' : 'split'));
  const merged = resolveMerge(merge, choices);
  const check = merged === null ? null : checkConfigText(merged);
  const titleId = useId();
  const title = useRef<HTMLHeadingElement>(null);
  // Save went disabled under the keyboard's focus: take it to what to do next.
  useEffect(() => title.current?.focus(), []);
  let conflictIndex = 0;

  return (
    <section className="alert alert-warning merge-panel" aria-labelledby={titleId} data-testid="merge-panel" data-conflicts={merge.conflicts}>
      <AlertIcon className="alert-icon" />
      <div className="alert-body">
        <h2 ref={title} id={titleId} className="alert-title" tabIndex={-1}>
          This config was changed since you opened it
        </h2>
        <p role="status">
          {merge.conflicts === 0
            ? 'Your changes and theirs touch different lines, so both are kept. Check the result, then save it.'
            : `${merge.conflicts === 1 ? 'One line was' : `${merge.conflicts} places were`} changed both by you and by them. Choose what to keep for each, then check the result and save it.`}
        </p>
        {merge.hunks.map((hunk) => {
          if (hunk.kind === 'clean') return null;
          const index = conflictIndex++;
          return (
            <fieldset key={index} className="merge-conflict" data-testid="merge-conflict">
              <legend>
                Conflict {index + 1} of {merge.conflicts}
              </legend>
              {(['mine', 'theirs'] as const).map((side) => (
                <label key={side} className="merge-choice">
                  <input
                    type="radio"
                    name={`${titleId}-conflict-${index}`}
                    checked={choices[index] === side}
                    onChange={() => setChoices((all) => Object.assign([...all], { [index]: side }))}
                    data-testid={`take-${side}`}
                  />
                  <span className="merge-choice-text">
                    <span className="merge-choice-label">{side === 'mine' ? 'Take mine' : 'Take theirs (stored now)'}</span>
                    <pre className="merge-lines">{hunk[side].join('\n') || '(no lines)'}</pre>
                  </span>
                </label>
              ))}
            </fieldset>
          );
        })}
        {check && !check.valid && (
          <p className="merge-invalid" data-testid="merge-invalid">
            The merged text is not valid JSON ({check.message}). Edit it by hand.
          </p>
        )}
        <div className="row">
          <button
            type="button"
            className="btn btn-primary btn-sm"
            disabled={saving || !check?.valid}
            onClick={() => merged !== null && onSave(merged)}
            data-testid="merge-save"
          >
            <SaveIcon /> {saving ? 'Saving…' : 'Save the merged config'}
          </button>
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => onEditByHand(merged ?? mergeWithMarkers(merge, choices))} data-testid="merge-edit">
            Edit it by hand
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onCompareTwoWays} data-testid="merge-two-way">
            Compare mine with theirs instead
          </button>
        </div>
        {merged !== null && (
          <div className="card diff-card merge-result">
            <div className="diff-toolbar">
              <h3 className="summary-title">Stored now vs the merged config</h3>
              <div className="segmented" role="group" aria-label="Difference layout">
                {(['split', 'unified'] as const).map((option) => (
                  <button key={option} type="button" aria-pressed={layout === option} onClick={() => setLayout(option)}>
                    {option === 'split' ? 'Side by side' : 'Unified'}
                  </button>
                ))}
              </div>
            </div>
            <DiffView stored={theirs} mine={merged} layout={layout} labels={['Stored now', 'Merged (yours and theirs)']} />
          </div>
        )}
      </div>
    </section>
  );
}
