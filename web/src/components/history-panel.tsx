import { useCallback, useEffect, useId, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { asApiError, type ApiError, type ConfigResponse, type HistoryVersion, type Tagged } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { actorLabel, exactTime, operationLabel, relativeTime } from '../lib/history-labels.js';
import { ErrorAlert } from './error-alert.js';
import { LoadingPlaceholder } from './loading-placeholder.js';
import { RestoreDialog } from './restore-dialog.js';
import { useVersionLoader } from './use-version-loader.js';
import { VersionViewer, type Compare, type DiffLayout } from './version-viewer.js';
import './history.css';

/** Versions asked for at a time (the default retention); Show older asks for the next ones. */
const PAGE = 100;
/** The API's most per call: a link to an old version needs the versions down to it. */
const MOST = 1000;

/**
 * The History panel of a device's page: its versions, newest first; the selected one read-only or diffed; Restore.
 * `?version=N` in the page's URL (the audit log's links) opens it at that version, diffed against the one before.
 * It reloads when `etag` changes, which every write of this page does.
 */
export function HistoryPanel({
  mac,
  etag,
  currentText,
  restoreBlocked,
  onRestored,
  onStale,
  refreshKey,
}: {
  mac: string;
  etag: string | null;
  /** The stored config as shown in the editor; null when there is none. */
  currentText: string | null;
  restoreBlocked: string | null;
  onRestored: (restored: Tagged<ConfigResponse>, version: number) => void;
  onStale: (failure: ApiError) => void;
  /** Changes when the page learns the config changed elsewhere (a refused save): the list is loaded again. */
  refreshKey?: unknown;
}) {
  const api = useApi();
  const loadVersion = useVersionLoader(mac);
  const [search] = useSearchParams();
  const linked = Number(search.get('version')) || null;
  const [versions, setVersions] = useState<HistoryVersion[] | null>(null);
  const [hasOlder, setHasOlder] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [selected, setSelected] = useState<number | null>(linked);
  const [compare, setCompare] = useState<Compare>(linked ? 'previous' : 'none');
  const [layout, setLayout] = useState<DiffLayout>(() => (window.matchMedia('(max-width: 720px)').matches ? 'unified' : 'split'));
  const [restoring, setRestoring] = useState<{ version: HistoryVersion; text: string } | null>(null);
  const headingId = useId();

  const load = useCallback(() => {
    let live = true;
    setError(null);
    api.getHistory(mac, { limit: linked ? MOST : PAGE }).then(
      (page) => {
        if (!live) return;
        setVersions(page.versions);
        setHasOlder(page.versions.length > 0 && page.versions.at(-1)!.version > 1);
      },
      (caught: unknown) => live && setError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, mac, linked]);
  // Every write of the page changes the ETag, and adds a version to show.
  useEffect(load, [load, etag, refreshKey]);

  const showOlder = async () => {
    try {
      const page = await api.getHistory(mac, { limit: PAGE, before: versions!.at(-1)!.version });
      setVersions([...versions!, ...page.versions]);
      setHasOlder(page.versions.length === PAGE);
    } catch (caught) {
      setError(asApiError(caught));
    }
  };

  const current = versions?.[0]?.etag !== null && versions?.[0]?.etag === etag ? versions[0].version : null;
  const selectedVersion = versions?.find((entry) => entry.version === selected) ?? null;

  // A MAC that never had a config has no history to show (its page says there is no config).
  if (error?.code === 'RECORD_NOT_FOUND') return null;

  return (
    <section className="card history-panel" aria-labelledby={headingId} data-testid="history-panel">
      <div className="history-head">
        <h2 id={headingId} className="summary-title">
          History
        </h2>
        <span className="muted">Every save, restore, rename and delete is kept as a version.</span>
      </div>
      {error && <ErrorAlert error={error} title="The history could not be loaded" onRetry={load} />}
      {!error && versions === null && <LoadingPlaceholder className="skeleton-block" label="Loading the history" />}
      {versions?.length === 0 && (
        <p className="muted history-empty" data-testid="history-empty">
          No versions yet. The config predates its history: the next change records it as it is now, then the change.
        </p>
      )}
      {versions && versions.length > 0 && (
        <div className="history-body">
          <div className="version-list-wrap">
            <ol className="version-list" aria-label="Versions, newest first" data-testid="version-list">
              {versions.map((entry) => (
                <li key={entry.version}>
                  <button
                    type="button"
                    className="version-item"
                    aria-pressed={entry.version === selected}
                    onClick={() => setSelected(entry.version === selected ? null : entry.version)}
                    data-testid="version-item"
                    data-version={entry.version}
                  >
                    <span className="version-line">
                      <span className="version-number">v{entry.version}</span>
                      <span className={`op op-${entry.operation}`}>{operationLabel(entry.operation)}</span>
                      {entry.version === current && <span className="badge badge-on">current</span>}
                      {entry.validation_skipped && <span className="badge badge-warning" title="Saved with “Save anyway”: not checked against its JSON Schema">schema check skipped</span>}
                    </span>
                    <span className="version-line muted">
                      <bdi className="version-actor">{actorLabel(entry.actor)}</bdi>
                      <time dateTime={entry.at} title={exactTime(entry.at)}>
                        {relativeTime(entry.at)}
                      </time>
                    </span>
                  </button>
                </li>
              ))}
            </ol>
            {hasOlder && (
              <button type="button" className="btn btn-ghost btn-sm" onClick={() => void showOlder()} data-testid="history-older">
                Show older
              </button>
            )}
          </div>
          {selectedVersion ? (
            <VersionViewer
              version={selectedVersion}
              versions={versions}
              compare={compare}
              onCompare={setCompare}
              layout={layout}
              onLayout={setLayout}
              currentText={currentText}
              loadVersion={loadVersion}
              restoreBlocked={restoreBlocked}
              onRestore={(text) => setRestoring({ version: selectedVersion, text })}
            />
          ) : (
            <p className="muted history-hint">Select a version to see it, compare it or restore it.</p>
          )}
        </div>
      )}
      {restoring && (
        <RestoreDialog
          mac={mac}
          version={restoring.version}
          versionText={restoring.text}
          currentText={currentText}
          etag={etag}
          onClose={() => setRestoring(null)}
          onStale={(failure) => {
            setRestoring(null);
            onStale(failure);
          }}
          onRestored={(restored) => {
            setRestoring(null);
            onRestored(restored, restoring.version.version);
          }}
        />
      )}
    </section>
  );
}
