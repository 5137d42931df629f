import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { asApiError, type ApiError, type DeletedConfig } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { ErrorAlert } from '../components/error-alert.js';
import { HistoryIcon, TrashIcon } from '../components/icons.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { PageHeading } from '../components/page-heading.js';
import { useToast } from '../components/toast.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { actorLabel, exactTime, relativeTime } from '../lib/history-labels.js';
import '../components/history.css';

type RowState = { status: 'idle' } | { status: 'busy' } | { status: 'restored' } | { status: 'failed'; error: ApiError };

/** `/deleted`: configs whose latest version is a delete, newest first, each with Restore. */
export function DeletedPage() {
  const api = useApi();
  const toast = useToast();
  useDocumentTitle('Deleted configs');
  const [deleted, setDeleted] = useState<DeletedConfig[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [rows, setRows] = useState<Record<string, RowState>>({});

  const load = useCallback(() => {
    setError(null);
    api.listDeleted().then(setDeleted, (caught: unknown) => setError(asApiError(caught)));
  }, [api]);
  useEffect(load, [load]);

  /** Brings a config back as it was before the delete: the newest version that holds a config, not a tombstone. */
  const restore = async (entry: DeletedConfig) => {
    const mac = entry.mac_address;
    setRows((all) => ({ ...all, [mac]: { status: 'busy' } }));
    try {
      const { versions } = await api.getHistory(mac, { limit: 100 });
      const target = versions.find((version) => version.etag !== null);
      if (!target) throw new Error('Its history keeps no version with content to bring back.');
      await api.restoreVersion(mac, target.version);
      setRows((all) => ({ ...all, [mac]: { status: 'restored' } }));
      toast('success', `Restored ${mac} as of version ${target.version}`);
    } catch (caught) {
      setRows((all) => ({ ...all, [mac]: { status: 'failed', error: asApiError(caught) } }));
    }
  };

  return (
    <section className="stack" data-testid="deleted-page">
      <div className="page-header">
        <div>
          <PageHeading>Deleted configs</PageHeading>
          <p className="muted">Deleted configs keep their history: restore one to create it again as it was before the delete.</p>
        </div>
      </div>
      {error && <ErrorAlert error={error} title="The deleted configs could not be loaded" onRetry={load} />}
      {!error && deleted === null && <LoadingPlaceholder className="card skeleton-block" label="Loading the deleted configs" />}
      {deleted?.length === 0 && (
        <div className="empty-state card" data-testid="deleted-empty">
          <span className="empty-icon">
            <TrashIcon />
          </span>
          <h2>Nothing deleted</h2>
          <p className="muted">A config deleted from now on shows here, to bring it back.</p>
        </div>
      )}
      {deleted && deleted.length > 0 && (
        <div className="card table-wrap">
          <table className="history-table" data-testid="deleted-table">
            <thead>
              <tr>
                <th scope="col">MAC address</th>
                <th scope="col">Device name</th>
                <th scope="col">Deleted</th>
                <th scope="col">By</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deleted.map((entry) => {
                const row = rows[entry.mac_address] ?? { status: 'idle' };
                return (
                  <tr key={entry.mac_address} data-testid="deleted-row" data-mac={entry.mac_address}>
                    <td data-label="MAC address" className="mono">
                      <Link to={`/devices/${entry.mac_address}?version=${entry.version}`} className="mac-link">
                        {entry.mac_address}
                      </Link>
                    </td>
                    <td data-label="Device name">{entry.device_name ? <bdi>{entry.device_name}</bdi> : <span className="muted">not set</span>}</td>
                    <td data-label="Deleted">
                      <time dateTime={entry.deleted_at} title={exactTime(entry.deleted_at)}>
                        {relativeTime(entry.deleted_at)}
                      </time>
                    </td>
                    <td data-label="By">
                      <bdi>{actorLabel(entry.actor)}</bdi>
                    </td>
                    <td className="actions-cell">
                      {row.status === 'restored' ? (
                        <Link to={`/devices/${entry.mac_address}`} className="btn btn-secondary btn-sm" data-testid="open-restored">
                          Open {entry.mac_address}
                        </Link>
                      ) : (
                        <button
                          type="button"
                          className="btn btn-secondary btn-sm"
                          disabled={row.status === 'busy'}
                          aria-label={`Restore ${entry.mac_address}`}
                          onClick={() => void restore(entry)}
                          data-testid="restore-deleted"
                        >
                          <HistoryIcon /> {row.status === 'busy' ? 'Restoring…' : 'Restore'}
                        </button>
                      )}
                      {row.status === 'failed' && <ErrorAlert error={row.error} title={`${entry.mac_address} was not restored`} />}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
