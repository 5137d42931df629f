import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { asApiError, type ApiError, type AuditEntry } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { ErrorAlert } from '../components/error-alert.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { PageHeading } from '../components/page-heading.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { auditQuery, filtersFromSearch, searchFromFilters, type AuditFilters } from '../lib/audit-filters.js';
import { actorLabel, exactTime, HISTORY_OPERATIONS, operationLabel, relativeTime } from '../lib/history-labels.js';
import '../components/history.css';

const PAGE = 100;

interface Loaded {
  entries: AuditEntry[];
  nextCursor: string | null;
  loadingMore: boolean;
}

/** `/audit`: the fleet's changes newest first, filtered by the URL's query (so a filtered view can be shared). */
export function AuditLogPage() {
  const api = useApi();
  useDocumentTitle('Audit log');
  const [search, setSearch] = useSearchParams();
  const applied = filtersFromSearch(search);
  const appliedKey = searchFromFilters(applied).toString();
  const [draft, setDraft] = useState<AuditFilters>(applied);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const formId = useId();
  const parsed = auditQuery(applied);
  const invalid = 'invalid' in parsed ? parsed : null;

  // The form follows the URL when it changes by itself (Back, a link).
  const [shownKey, setShownKey] = useState(appliedKey);
  if (shownKey !== appliedKey) {
    setShownKey(appliedKey);
    setDraft(applied);
  }

  const load = useCallback(() => {
    const result = auditQuery(filtersFromSearch(new URLSearchParams(appliedKey)));
    if ('invalid' in result) return;
    let live = true;
    setLoaded(null);
    setError(null);
    api.listAudit({ ...result.query, limit: PAGE }).then(
      (page) => live && setLoaded({ entries: page.entries, nextCursor: page.next_cursor, loadingMore: false }),
      (caught: unknown) => live && setError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, appliedKey]);
  useEffect(load, [load]);

  const showMore = async () => {
    if (!loaded?.nextCursor || 'invalid' in parsed) return;
    setLoaded({ ...loaded, loadingMore: true });
    try {
      const page = await api.listAudit({ ...parsed.query, limit: PAGE, cursor: loaded.nextCursor });
      setLoaded({ entries: [...loaded.entries, ...page.entries], nextCursor: page.next_cursor, loadingMore: false });
    } catch (caught) {
      setLoaded({ ...loaded, loadingMore: false });
      setError(asApiError(caught));
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setSearch(searchFromFilters(draft));
  };
  const field = (key: keyof AuditFilters) => ({
    id: `${formId}-${key}`,
    value: draft[key],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value }),
    'aria-invalid': invalid?.invalid === key || undefined,
    'aria-describedby': invalid?.invalid === key ? `${formId}-error` : undefined,
    'data-testid': `audit-${key}`,
  });

  return (
    <section className="stack" data-testid="audit-page">
      <div className="page-header">
        <div>
          <PageHeading>Audit log</PageHeading>
          <p className="muted">Every change to the fleet&apos;s configs, newest first. Open one to see the difference it made.</p>
        </div>
      </div>
      <form className="card audit-filters" onSubmit={apply} aria-label="Filters" data-testid="audit-filters">
        <label className="field" htmlFor={`${formId}-mac`}>
          <span className="field-label">Device (MAC)</span>
          <input className="input input-mono" placeholder="Any device" autoComplete="off" spellCheck={false} {...field('mac')} />
        </label>
        <label className="field" htmlFor={`${formId}-actor`}>
          <span className="field-label">Who</span>
          <input className="input" placeholder="Anyone" autoComplete="off" {...field('actor')} />
        </label>
        <label className="field" htmlFor={`${formId}-operation`}>
          <span className="field-label">What</span>
          <select className="input" {...field('operation')}>
            <option value="">Any change</option>
            {HISTORY_OPERATIONS.map((operation) => (
              <option key={operation} value={operation}>
                {operationLabel(operation)}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${formId}-from`}>
          <span className="field-label">From</span>
          <input className="input" type="date" {...field('from')} />
        </label>
        <label className="field" htmlFor={`${formId}-to`}>
          <span className="field-label">To</span>
          <input className="input" type="date" {...field('to')} />
        </label>
        <div className="audit-filter-actions">
          <button type="submit" className="btn btn-primary" data-testid="audit-apply">
            Apply
          </button>
          {appliedKey && (
            <Link className="btn btn-ghost" to="/audit" data-testid="audit-clear">
              Clear
            </Link>
          )}
        </div>
      </form>
      {invalid && (
        <p id={`${formId}-error`} className="field-error" role="alert" data-testid="audit-invalid">
          {invalid.message}: check the {invalid.invalid === 'from' || invalid.invalid === 'to' ? 'dates' : invalid.invalid === 'mac' ? 'device' : 'filter'}.
        </p>
      )}
      {error && <ErrorAlert error={error} title="The audit log could not be loaded" onRetry={load} />}
      {!invalid && !error && loaded === null && <LoadingPlaceholder className="card skeleton-block" label="Loading the audit log" />}
      {loaded?.entries.length === 0 && (
        <div className="empty-state card" data-testid="audit-empty">
          <h2>No changes</h2>
          <p className="muted">{appliedKey ? 'No change matches these filters.' : 'Nothing has changed since the history started.'}</p>
        </div>
      )}
      {loaded && loaded.entries.length > 0 && (
        <div className="card table-wrap">
          <table className="history-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Device</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">
                  <span className="visually-hidden">Change</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {loaded.entries.map((entry) => (
                <tr key={`${entry.mac_address}/${entry.version}`} data-testid="audit-row" data-mac={entry.mac_address} data-operation={entry.operation}>
                  <td data-label="When">
                    <time dateTime={entry.at} title={exactTime(entry.at)}>
                      {relativeTime(entry.at)}
                    </time>
                  </td>
                  <td data-label="Device" className="mono">
                    <Link to={`/devices/${entry.mac_address}`} className="mac-link">
                      {entry.mac_address}
                    </Link>
                  </td>
                  <td data-label="What">
                    <span className={`op op-${entry.operation}`}>{operationLabel(entry.operation)}</span>
                    {entry.validation_skipped && <span className="badge badge-warning">schema check skipped</span>}
                  </td>
                  <td data-label="Who">
                    <bdi>{actorLabel(entry.actor)}</bdi>
                  </td>
                  <td className="actions-cell">
                    <Link
                      to={`/devices/${entry.mac_address}?version=${entry.version}`}
                      className="btn btn-ghost btn-sm"
                      data-testid="audit-diff-link"
                    >
                      Version {entry.version}: changes<span className="visually-hidden"> of {entry.mac_address}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {loaded.nextCursor && (
            <div className="list-more">
              <button type="button" className="btn btn-secondary" disabled={loaded.loadingMore} onClick={() => void showMore()} data-testid="audit-more">
                {loaded.loadingMore ? 'Loading…' : 'Show more'}
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
