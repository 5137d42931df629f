import { json } from '@codemirror/lang-json';
import { MergeView, unifiedMergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { secretMasking } from '../lib/secret-mask.js';
import { editorTheme } from './editor-theme.js';

// Secrets are masked here as in the editor: a diff is as often on a shared screen.
const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false), lineNumbers(), json(), secretMasking.of(false), editorTheme];
/** Screen readers name each pane: the labels above the panes are hidden from them. */
const named = (label: string) => [...readOnly, EditorView.contentAttributes.of({ 'aria-label': label })];

/** The stored config next to (or merged into) the person's own version, read-only; `labels` name the two sides otherwise. */
export function DiffView({
  stored,
  mine,
  layout,
  labels = ['Stored now', 'Your version'],
}: {
  stored: string;
  mine: string;
  layout: 'split' | 'unified';
  labels?: readonly [string, string];
}) {
  const host = useRef<HTMLDivElement>(null);
  const [labelA, labelB] = labels;

  useEffect(() => {
    const parent = host.current!;
    if (layout === 'split') {
      const merge = new MergeView({
        parent,
        a: { doc: stored, extensions: named(labelA) },
        b: { doc: mine, extensions: named(labelB) },
        collapseUnchanged: { margin: 3, minSize: 6 },
      });
      return () => merge.destroy();
    }
    const unified = new EditorView({
      parent,
      doc: mine,
      extensions: [...named(`${labelB}, with the lines of ${labelA.toLowerCase()} it differs from`), unifiedMergeView({ original: stored, mergeControls: false, collapseUnchanged: { margin: 3, minSize: 6 } })],
    });
    return () => unified.destroy();
  }, [stored, mine, layout, labelA, labelB]);

  return (
    <div className="diff" data-testid="diff-view" data-layout={layout}>
      {layout === 'split' ? (
        <div className="diff-labels" aria-hidden="true">
          <span>{labels[0]}</span>
          <span>{labels[1]}</span>
        </div>
      ) : (
        <div className="diff-legend" aria-hidden="true">
          <span className="legend-stored">{labels[0]}</span>
          <span className="legend-mine">{labels[1]}</span>
        </div>
      )}
      <div ref={host} className="diff-host" />
    </div>
  );
}
