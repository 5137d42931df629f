import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigationType, useSearchParams } from 'react-router-dom';
import { asApiError, type ApiError, type ConfigListResponse, type ConfigSummary } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { DeleteDialog } from '../components/delete-dialog.js';
import { ErrorAlert } from '../components/error-alert.js';
import {
  AlertIcon,
  ArrowDownIcon,
  ArrowUpIcon,
  ChipIcon,
  CopyIcon,
  EditIcon,
  PlusIcon,
  SearchIcon,
  SortIcon,
  TrashIcon,
} from '../components/icons.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { OtaBadge } from '../components/ota-badge.js';
import { FailingSchemaFilter, SchemaBadge } from '../components/schema-badge.js';
import { PageHeading } from '../components/page-heading.js';
import { TransferActions } from '../components/transfer-actions.js';
import { useToast } from '../components/toast.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { macFromFileName } from '../lib/config-text.js';
import { SyncStatusBadge } from '../components/sync-status-badge.js';
import { SyncStatusFilter } from '../components/sync-status-filter.js';
import { isSyncState } from '../lib/sync-status.js';
import { filterConfigs, nextSortOrder, parseSortOrder, sortConfigs, type SortKey, type SortOrder } from '../lib/device-list.js';

const SORT_STORAGE_KEY = 'iot-config-manager.device-sort';
/**
 * Rows rendered at first, and added per "Show more". Searching and sorting always cover the whole fleet; only the
 * table is cut, because rendering every row of 10,000 devices took the page ~10 s, and each keystroke of a
 * search seconds.
 */
const ROWS_PER_PAGE = 250;

/**
 * The rows "Show more" opened and how far the page was scrolled, kept per history entry when the list is left: Back
 * from a device returns to the same row, which the browser cannot do alone as the list loads after the page shows.
 */
interface ListView {
  rowsKey: string;
  limit: number;
  scrollY: number;
}
const VIEW_STORAGE_PREFIX = 'iot-config-manager.device-list-view.';

function readView(historyKey: string): ListView | null {
  try {
    const view = JSON.parse(sessionStorage.getItem(VIEW_STORAGE_PREFIX + historyKey) ?? 'null') as Partial<ListView> | null;
    return typeof view?.rowsKey === 'string' && typeof view.limit === 'number' && typeof view.scrollY === 'number' ? (view as ListView) : null;
  } catch {
    return null;
  }
}

function saveView(historyKey: string, view: ListView): void {
  try {
    sessionStorage.setItem(VIEW_STORAGE_PREFIX + historyKey, JSON.stringify(view));
  } catch {
    // Storage can be disabled; Back then shows the top of the list.
  }
}

/** `refreshError`: a refresh failed, and `list` is the last one loaded. */
type ListState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; list: ConfigListResponse; refreshError?: ApiError };

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'mac_address', label: 'MAC address' },
  { key: 'device_name', label: 'Device name' },
  { key: 'device_entity_id', label: 'Entity ID' },
  { key: 'enable_ota', label: 'OTA' },
  { key: 'status', label: 'Status' },
];

function readStoredSort(): SortOrder {
  try {
    return parseSortOrder(localStorage.getItem(SORT_STORAGE_KEY));
  } catch {
    return parseSortOrder(null);
  }
}

export function DeviceListPage() {
  const api = useApi();
  const toast = useToast();
  const [searchParams, setSearchParams] = useSearchParams();
  const urlQuery = searchParams.get('q') ?? '';
  const urlStatus = searchParams.get('status');
  const statusFilter = isSyncState(urlStatus) ? urlStatus : null;
  const failingOnly = searchParams.get('schema') === 'failing';
  /** The list's filters in the URL: the search, the sync status and the schema failures. */
  const setFilters = (filters: { q?: string; status?: string | null; failing?: boolean }) => {
    const q = filters.q ?? query;
    const status = filters.status === undefined ? statusFilter : filters.status;
    const failing = filters.failing ?? failingOnly;
    setSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), ...(failing ? { schema: 'failing' } : {}) }, { replace: true });
  };
  // The box has its own state: fed only from the URL, fast typing would lose keys while each navigation lands.
  const [query, setQueryText] = useState(urlQuery);
  const navigationType = useNavigationType();
  const { key: locationKey } = useLocation();
  useEffect(() => {
    // Typing only replaces the URL; back, forward or a link to another search shows that URL's search.
    if (navigationType !== 'REPLACE') setQueryText(urlQuery);
  }, [locationKey, navigationType, urlQuery]);
  const [state, setState] = useState<ListState>({ status: 'loading' });
  const [sort, setSort] = useState<SortOrder>(readStoredSort);
  const [deleting, setDeleting] = useState<ConfigSummary | null>(null);
  useDocumentTitle('Device Configs');

  const load = useCallback(
    async (quiet = false) => {
      if (!quiet) setState({ status: 'loading' });
      try {
        setState({ status: 'ready', list: await api.listConfigs() });
      } catch (error) {
        const failure = asApiError(error);
        // A failed refresh in the background (after a dialog) keeps the list it had: it is still the best there is.
        setState((current) => (quiet && current.status === 'ready' ? { ...current, refreshError: failure } : { status: 'error', error: failure }));
      }
    },
    [api],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const changeSort = (key: SortKey) => {
    const next = nextSortOrder(sort, key);
    setSort(next);
    try {
      localStorage.setItem(SORT_STORAGE_KEY, JSON.stringify(next));
    } catch {
      // Storage can be disabled; sorting still works for this visit.
    }
  };

  const setQuery = (value: string) => {
    setQueryText(value);
    setFilters({ q: value });
  };
  const setStatusFilter = (status: string | null) => setFilters({ status });

  const rows = useMemo(
    () =>
      state.status === 'ready'
        ? sortConfigs(filterConfigs(state.list.configs, query, statusFilter), sort).filter((config) => !failingOnly || config.validation?.valid === false)
        : [],
    [state, query, statusFilter, sort, failingOnly],
  );
  const failingCount = state.status === 'ready' ? state.list.configs.filter((config) => config.validation?.valid === false).length : 0;
  // How many rows "Show more" has opened, for this search and order only: a new one starts at the first page again.
  const rowsKey = `${sort.key} ${sort.direction} ${statusFilter ?? ''} ${query}`;
  const [savedView] = useState(() => readView(locationKey));
  const [opened, setOpened] = useState(() => ({ rowsKey, limit: savedView?.rowsKey === rowsKey ? savedView.limit : ROWS_PER_PAGE }));
  if (opened.rowsKey !== rowsKey) setOpened({ rowsKey, limit: ROWS_PER_PAGE });
  const rowLimit = opened.rowsKey === rowsKey ? opened.limit : ROWS_PER_PAGE;
  const shownRows = rows.length > rowLimit ? rows.slice(0, rowLimit) : rows;
  // After "Show more", the focus moves to the first new row: the button may be gone, and a keyboard user reads on.
  const tableBody = useRef<HTMLTableSectionElement>(null);
  const focusRow = useRef<number | null>(null);
  useEffect(() => {
    if (focusRow.current === null) return;
    tableBody.current?.rows[focusRow.current]?.querySelector('a')?.focus();
    focusRow.current = null;
  }, [rowLimit]);
  // Saved in a layout effect's cleanup: React runs it before it takes the list out of the page, while the scroll
  // position is still the list's (a passive cleanup runs after, on the next page's shorter document). A scroll event
  // comes too late as well: a click can leave before the last one is delivered.
  useLayoutEffect(() => () => saveView(locationKey, { rowsKey, limit: rowLimit, scrollY: window.scrollY }), [locationKey, rowsKey, rowLimit]);
  const restoreScroll = useRef(savedView?.scrollY ?? null);
  useLayoutEffect(() => {
    if (state.status !== 'ready' || restoreScroll.current === null) return;
    window.scrollTo(0, restoreScroll.current);
    restoreScroll.current = null;
  }, [state.status]);
  const showMore = () => {
    focusRow.current = rowLimit;
    setOpened({ rowsKey, limit: rowLimit + ROWS_PER_PAGE });
  };

  return (
    <section className="stack" data-testid="device-list-page">
      <div className="page-header">
        <div>
          <PageHeading>Device Configs</PageHeading>
          <p className="muted">Every ESP32 in the fleet and the config it loads at boot.</p>
        </div>
        <div className="page-actions">
          <TransferActions onImported={() => void load(true)} />
          <Link to="/devices/new" className="btn btn-primary" data-testid="new-device">
            <PlusIcon /> New device
          </Link>
        </div>
      </div>

      {state.status === 'ready' && state.list.skipped.length > 0 && (
        <div className="alert alert-warning" role="status" data-testid="skipped-banner">
          <AlertIcon className="alert-icon" />
          <div className="alert-body">
            <p className="alert-title">
              {state.list.skipped.length === 1 ? '1 file in the config folder is' : `${state.list.skipped.length} files in the config folder are`}{' '}
              not listed
            </p>
            <ul className="skipped-list">
              {state.list.skipped.map((file) => {
                const mac = macFromFileName(file.filename);
                return (
                  <li key={file.filename} data-testid="skipped-file">
                    <bdi>
                      <code>{file.filename}</code>
                    </bdi>
                    : {file.reason}
                    {mac && (
                      <>
                        {' '}
                        <Link to={`/devices/${mac}`} data-testid="repair-link">
                          Open to repair
                        </Link>
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
          </div>
        </div>
      )}

      <div className="toolbar">
        <label className="search">
          <SearchIcon className="search-icon" />
          <span className="visually-hidden">Search devices</span>
          <input
            type="search"
            className="input"
            placeholder="Search by MAC, name or entity ID"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            data-testid="search"
          />
        </label>
        <SyncStatusFilter value={statusFilter} onChange={setStatusFilter} />
        <FailingSchemaFilter checked={failingOnly} failing={failingCount} onChange={(checked) => setFilters({ failing: checked })} />
        {state.status === 'ready' && (
          <p className="count muted" data-testid="device-count" aria-live="polite">
            {rows.length === state.list.count
              ? `${state.list.count} ${state.list.count === 1 ? 'device' : 'devices'}`
              : `Showing ${rows.length} of ${state.list.count} devices`}
          </p>
        )}
      </div>

      {state.status === 'loading' && <ListSkeleton />}

      {state.status === 'ready' && state.refreshError && (
        <ErrorAlert error={state.refreshError} title="The device list could not be refreshed: it is shown as it was" onRetry={() => void load(true)} />
      )}

      {state.status === 'error' && (
        <ErrorAlert error={state.error} title="The device list could not be loaded" onRetry={() => void load()} />
      )}

      {state.status === 'ready' && state.list.count === 0 && (
        <div className="empty-state card" data-testid="empty-state">
          <span className="empty-icon">
            <ChipIcon />
          </span>
          <h2>No devices yet</h2>
          <p className="muted">Create the first config; a device fetches it by its MAC address at boot.</p>
          <Link to="/devices/new" className="btn btn-primary" data-testid="empty-new-device">
            <PlusIcon /> New device
          </Link>
        </div>
      )}

      {state.status === 'ready' && state.list.count > 0 && rows.length === 0 && (
        <div className="empty-state card" data-testid="no-matches">
          <h2>{query ? <>No device matches “<bdi>{query}</bdi>”</> : 'No device has this status'}</h2>
          <p className="muted">Search by any part of the MAC address (any format), the device name or the entity ID.</p>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => {
              setQueryText('');
              setSearchParams({}, { replace: true });
            }}
          >
            Clear search
          </button>
        </div>
      )}

      {state.status === 'ready' && rows.length > 0 && (
        <div className="table-wrap card">
          <table className="device-table" data-testid="device-table">
            <thead>
              <tr>
                {COLUMNS.map((column) => {
                  const active = sort.key === column.key;
                  return (
                    <th
                      key={column.key}
                      scope="col"
                      className={`col-${column.key}`}
                      aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
                    >
                      <button
                        type="button"
                        className={`sort-button${active ? ' is-active' : ''}`}
                        onClick={() => changeSort(column.key)}
                        data-testid={`sort-${column.key}`}
                      >
                        {column.label}
                        {active ? sort.direction === 'asc' ? <ArrowUpIcon /> : <ArrowDownIcon /> : <SortIcon className="sort-idle" />}
                      </button>
                    </th>
                  );
                })}
                <th scope="col" className="actions-col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody ref={tableBody}>
              {shownRows.map((config) => (
                <tr key={config.mac_address} data-testid="device-row" data-mac={config.mac_address}>
                  <td data-label="MAC address">
                    <Link to={`/devices/${config.mac_address}`} className="mac-link mono" data-testid="device-mac">
                      {config.mac_address}
                    </Link>
                  </td>
                  <td data-label="Device name" data-testid="device-name">
                    {config.device_name || <span className="muted">—</span>}
                    <SchemaBadge validation={config.validation} />
                  </td>
                  <td data-label="Entity ID" data-testid="device-entity-id">
                    {config.device_entity_id ? <span className="mono">{config.device_entity_id}</span> : <span className="muted">—</span>}
                  </td>
                  <td data-label="OTA">
                    <OtaBadge value={config.enable_ota} />
                  </td>
                  <td data-label="Status">
                    <SyncStatusBadge fetch={config.fetch} />
                  </td>
                  <td className="actions-cell">
                    <div className="row-actions">
                      <Link
                        to={`/devices/${config.mac_address}`}
                        className="btn btn-ghost btn-icon"
                        aria-label={`Edit ${config.mac_address}`}
                        title="Edit"
                        data-testid="edit-device"
                      >
                        <EditIcon />
                      </Link>
                      <Link
                        to={`/devices/new?from=${config.mac_address}`}
                        className="btn btn-ghost btn-icon"
                        aria-label={`Duplicate ${config.mac_address}`}
                        title="Duplicate"
                        data-testid="duplicate-device"
                      >
                        <CopyIcon />
                      </Link>
                      <button
                        type="button"
                        className="btn btn-ghost btn-icon btn-icon-danger"
                        aria-label={`Delete ${config.mac_address}`}
                        title="Delete"
                        onClick={() => setDeleting(config)}
                        data-testid="delete-device"
                      >
                        <TrashIcon />
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shownRows.length < rows.length && (
            <div className="list-more" data-testid="list-more">
              <p className="muted">
                Showing the first {shownRows.length.toLocaleString()} of {rows.length.toLocaleString()}; search to find any device.
              </p>
              <button
                type="button"
                className="btn btn-secondary"
                onClick={showMore}
                data-testid="show-more"
              >
                Show {Math.min(ROWS_PER_PAGE, rows.length - shownRows.length).toLocaleString()} more
              </button>
            </div>
          )}
        </div>
      )}

      {deleting && (
        <DeleteDialog
          mac={deleting.mac_address}
          deviceName={deleting.device_name}
          onClose={() => {
            setDeleting(null);
            // The dialog may have found the device changed or gone: show the list as it is now.
            void load(true);
          }}
          onDeleted={() => {
            toast('success', `Deleted ${deleting.mac_address}`);
            // The row goes with the dialog, not after the reload: the dialog then sees its opener gone and moves the focus
            // to the page's heading, instead of onto a button that is about to disappear.
            setState((current) => (current.status === 'ready' ? { ...current, list: withoutConfig(current.list, deleting.mac_address) } : current));
            setDeleting(null);
            void load(true);
          }}
        />
      )}
    </section>
  );
}

function withoutConfig(list: ConfigListResponse, mac: string): ConfigListResponse {
  const configs = list.configs.filter((config) => config.mac_address !== mac);
  return { ...list, configs, count: configs.length };
}

function ListSkeleton() {
  return (
    <LoadingPlaceholder className="card skeleton-list" testId="list-skeleton" label="Loading devices">
      {Array.from({ length: 5 }, (_, index) => (
        <div key={index} className="skeleton-row">
          <span className="skeleton" style={{ width: '9.5rem' }} />
          <span className="skeleton" style={{ width: '8rem' }} />
          <span className="skeleton" style={{ width: '10rem' }} />
          <span className="skeleton" style={{ width: '3.5rem' }} />
        </div>
      ))}
    </LoadingPlaceholder>
  );
}
