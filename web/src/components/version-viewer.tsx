import { useEffect, useId, useState } from 'react';
import { asApiError, type ApiError, type HistoryVersion } from '../api/client.js';
import { actorLabel, exactTime, operationLabel } from '../lib/history-labels.js';
import { DiffView } from './diff-view.js';
import { ErrorAlert } from './error-alert.js';
import { HistoryIcon } from './icons.js';
import { LoadingPlaceholder } from './loading-placeholder.js';
import { ReadOnlyJson } from './read-only-json.js';
import type { VersionText } from './use-version-loader.js';

/** What the selected version is shown against: nothing, the version before it, the current config, or a version number. */
export type Compare = 'none' | 'previous' | 'current' | `${number}`;
export type DiffLayout = 'split' | 'unified';

interface Shown {
  selected: VersionText;
  /** The other side of the diff, with its label; null when the version is shown alone. */
  other: { text: string; label: string; older: boolean } | null;
  note: string | null;
}

const sideLabel = (entry: VersionText) => `Version ${entry.meta.version}${entry.text === null ? ' (deleted)' : ''}`;

/** One version of the history: read-only, or diffed against another version or the current config; with Restore. */
export function VersionViewer({
  version,
  versions,
  compare,
  onCompare,
  layout,
  onLayout,
  currentText,
  loadVersion,
  restoreBlocked,
  onRestore,
}: {
  version: HistoryVersion;
  versions: readonly HistoryVersion[];
  compare: Compare;
  onCompare: (compare: Compare) => void;
  layout: DiffLayout;
  onLayout: (layout: DiffLayout) => void;
  /** The config as stored now; null when it is deleted. */
  currentText: string | null;
  loadVersion: (version: number) => Promise<VersionText>;
  /** Why Restore cannot be used now (unsaved edits), or null. */
  restoreBlocked: string | null;
  onRestore: (text: string) => void;
}) {
  const [shown, setShown] = useState<Shown | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const compareId = useId();
  const noteId = useId();

  useEffect(() => {
    let live = true;
    setShown(null);
    setError(null);
    const show = async (): Promise<Shown> => {
      const selected = await loadVersion(version.version);
      if (compare === 'none') return { selected, other: null, note: null };
      if (compare === 'current') {
        if (currentText === null) return { selected, other: null, note: 'There is no current config: it is deleted.' };
        return { selected, other: { text: currentText, label: 'Current config', older: false }, note: null };
      }
      const otherNumber = compare === 'previous' ? version.version - 1 : Number(compare);
      if (otherNumber < 1) return { selected, other: null, note: 'This is the first version: there is nothing before it.' };
      try {
        const other = await loadVersion(otherNumber);
        return { selected, other: { text: other.text ?? '', label: sideLabel(other), older: otherNumber < version.version }, note: null };
      } catch (caught) {
        if (asApiError(caught).status !== 404) throw caught;
        return { selected, other: null, note: `Version ${otherNumber} is no longer kept.` };
      }
    };
    show().then(
      (next) => live && setShown(next),
      (caught: unknown) => live && setError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [version.version, compare, currentText, loadVersion]);

  const selectedText = shown?.selected.text ?? null;
  const selectedLabel = shown ? sideLabel(shown.selected) : `Version ${version.version}`;

  return (
    <div className="version-viewer" data-testid="version-viewer" data-version={version.version}>
      <div className="version-viewer-head">
        <h3 className="summary-title" data-testid="version-title">
          Version {version.version}: {operationLabel(version.operation)}
        </h3>
        <p className="muted version-meta">
          By <bdi>{actorLabel(version.actor)}</bdi>, <time dateTime={version.at}>{exactTime(version.at)}</time>
          {version.restored_from !== null && <> · restored from version {version.restored_from}</>}
        </p>
      </div>
      <div className="diff-toolbar version-toolbar">
        <label className="compare-field" htmlFor={compareId}>
          <span>Compare with</span>
          <select id={compareId} className="input" value={compare} onChange={(event) => onCompare(event.target.value as Compare)} data-testid="compare-with">
            <option value="none">Nothing: show this version</option>
            <option value="previous">The version before (what it changed)</option>
            <option value="current">The current config</option>
            {versions
              .filter((other) => other.version !== version.version)
              .map((other) => (
                <option key={other.version} value={String(other.version)}>
                  Version {other.version} ({operationLabel(other.operation)})
                </option>
              ))}
          </select>
        </label>
        {shown?.other && (
          <div className="segmented" role="group" aria-label="Difference layout">
            {(['split', 'unified'] as const).map((option) => (
              <button key={option} type="button" aria-pressed={layout === option} onClick={() => onLayout(option)} data-testid={`history-layout-${option}`}>
                {option === 'split' ? 'Side by side' : 'Unified'}
              </button>
            ))}
          </div>
        )}
        {version.etag !== null && (
          <div className="restore-action">
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              disabled={restoreBlocked !== null || selectedText === null}
              aria-describedby={restoreBlocked ? noteId : undefined}
              onClick={() => selectedText !== null && onRestore(selectedText)}
              data-testid="restore-version"
            >
              <HistoryIcon /> Restore this version
            </button>
            {restoreBlocked && (
              <p id={noteId} className="muted header-note">
                {restoreBlocked}
              </p>
            )}
          </div>
        )}
      </div>
      {error && <ErrorAlert error={error} title="This version could not be loaded" />}
      {!error && !shown && <LoadingPlaceholder className="card skeleton-block" label={`Loading version ${version.version}`} />}
      {shown?.note && (
        <p className="muted version-note" data-testid="version-note">
          {shown.note}
        </p>
      )}
      {shown &&
        (shown.other ? (
          <DiffView
            key={`${layout}`}
            stored={shown.other.older ? shown.other.text : (selectedText ?? '')}
            mine={shown.other.older ? (selectedText ?? '') : shown.other.text}
            layout={layout}
            labels={shown.other.older ? [shown.other.label, selectedLabel] : [selectedLabel, shown.other.label]}
          />
        ) : selectedText === null ? (
          <p className="muted version-note" data-testid="version-tombstone">
            {version.operation === 'rename_from' ? 'The config was renamed away: it did not exist here after this change.' : 'The config was deleted: it did not exist after this change.'}
          </p>
        ) : (
          <ReadOnlyJson text={selectedText} label={`Version ${version.version} of the config, read-only`} testId="version-text" />
        ))}
    </div>
  );
}
