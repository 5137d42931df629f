import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigationType, useSearchParams } from 'react-router-dom';
import type { ConfigListResponse, ConfigSummary } from '../api/client.js';
import { BulkBar } from '../components/bulk-bar.js';
import { DeleteDialog } from '../components/delete-dialog.js';
import { DeviceRow } from '../components/device-row.js';
import { ErrorAlert } from '../components/error-alert.js';
import { ArrowDownIcon, ArrowUpIcon, ChipIcon, PlusIcon, SearchIcon, SortIcon } from '../components/icons.js';
import { OtaFilterSelect, useSlashFocus } from '../components/list-filters.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { FailingSchemaFilter } from '../components/schema-badge.js';
import { PageHeading } from '../components/page-heading.js';
import { SkippedBanner } from '../components/skipped-banner.js';
import { TransferActions } from '../components/transfer-actions.js';
import { useToast } from '../components/toast.js';
import { useDeviceList } from '../components/use-device-list.js';
import { useFleetSearch } from '../components/use-fleet-search.js';
import { ROWS_PER_PAGE, useListView } from '../components/use-list-view.js';
import { useSelection } from '../components/use-selection.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { SyncStatusFilter } from '../components/sync-status-filter.js';
import { isSyncState } from '../lib/sync-status.js';
import {
  filterConfigs,
  isOtaFilter,
  matchesSearch,
  nextSortOrder,
  otaStateOf,
  parseSortOrder,
  sortConfigs,
  type SortKey,
  type SortOrder,
} from '../lib/device-list.js';

const SORT_STORAGE_KEY = 'iot-config-manager.device-sort';

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

interface Filters {
  q: string;
  status: string | null;
  ota: string | null;
  failing: boolean;
}

export function DeviceListPage() {
  const toast = useToast();
  const [searchParams, setSearchParams] = useSearchParams();
  const urlQuery = searchParams.get('q') ?? '';
  const urlStatus = searchParams.get('status');
  const statusFilter = isSyncState(urlStatus) ? urlStatus : null;
  const urlOta = searchParams.get('ota');
  const otaFilter = isOtaFilter(urlOta) ? urlOta : null;
  const failingOnly = searchParams.get('schema') === 'failing';
  // The box has its own state: fed only from the URL, fast typing would lose keys while each navigation lands.
  const [query, setQueryText] = useState(urlQuery);
  /** The list's filters live in the URL: the search, the sync status, OTA and the schema failures. */
  const setFilters = (changed: Partial<Filters>) => {
    const next: Filters = { q: query, status: statusFilter, ota: otaFilter, failing: failingOnly, ...changed };
    setSearchParams(
      { ...(next.q ? { q: next.q } : {}), ...(next.status ? { status: next.status } : {}), ...(next.ota ? { ota: next.ota } : {}), ...(next.failing ? { schema: 'failing' } : {}) },
      { replace: true },
    );
  };
  const navigationType = useNavigationType();
  const { key: locationKey } = useLocation();
  useEffect(() => {
    // Typing only replaces the URL; back, forward or a link to another search shows that URL's search.
    if (navigationType !== 'REPLACE') setQueryText(urlQuery);
  }, [locationKey, navigationType, urlQuery]);
  const searchInput = useRef<HTMLInputElement>(null);
  useSlashFocus(searchInput);
  const { state, setState, load } = useDeviceList();
  const [sort, setSort] = useState<SortOrder>(readStoredSort);
  const [deleting, setDeleting] = useState<ConfigSummary | null>(null);
  useDocumentTitle('Device Configs');

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

  const configs = state.status === 'ready' ? state.list.configs : null;
  // Values anywhere in a config, from the service: a device the summary fields do not match shows what did.
  const fleetSearch = useFleetSearch(query, configs);
  const rows = useMemo(
    () =>
      configs
        ? sortConfigs(filterConfigs(configs, '', statusFilter), sort).filter(
            (config) =>
              (matchesSearch(config, query) || fleetSearch.matches?.has(config.mac_address) === true) &&
              (!failingOnly || config.validation?.valid === false) &&
              (otaFilter === null || otaStateOf(config) === otaFilter),
          )
        : [],
    [configs, query, statusFilter, sort, failingOnly, otaFilter, fleetSearch.matches],
  );
  const matchOf = (config: ConfigSummary) => {
    const match = matchesSearch(config, query) ? undefined : fleetSearch.matches?.get(config.mac_address);
    return match && { path: match.path, value: typeof match.value === 'string' ? match.value : JSON.stringify(match.value) };
  };
  const failingCount = configs ? configs.filter((config) => config.validation?.valid === false).length : 0;
  const rowsKey = `${sort.key} ${sort.direction} ${statusFilter ?? ''} ${otaFilter ?? ''} ${query}`;
  const { rowLimit, tableBody, showMore } = useListView(locationKey, rowsKey, state.status === 'ready');
  const shownRows = rows.length > rowLimit ? rows.slice(0, rowLimit) : rows;
  const shownMacs = useMemo(() => shownRows.map((config) => config.mac_address), [shownRows]);
  const listedMacs = useMemo(() => (configs ? new Set(configs.map((config) => config.mac_address)) : null), [configs]);
  const selection = useSelection(shownMacs, listedMacs);
  const matchingMacs = rows.map((config) => config.mac_address);
  const allMatchingSelected = matchingMacs.length > 0 && matchingMacs.every((mac) => selection.selected.has(mac));
  const someSelected = matchingMacs.some((mac) => selection.selected.has(mac));

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

      {state.status === 'ready' && state.list.skipped.length > 0 && <SkippedBanner skipped={state.list.skipped} />}

      <div className="toolbar">
        <label className="search">
          <SearchIcon className="search-icon" />
          <span className="visually-hidden">Search devices</span>
          <input
            ref={searchInput}
            type="search"
            className="input"
            placeholder="Search MAC, name or any value"
            aria-keyshortcuts="/"
            title="Press / to search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            data-testid="search"
          />
        </label>
        <SyncStatusFilter value={statusFilter} onChange={(status) => setFilters({ status })} />
        <OtaFilterSelect value={otaFilter} onChange={(ota) => setFilters({ ota })} />
        <FailingSchemaFilter checked={failingOnly} failing={failingCount} onChange={(checked) => setFilters({ failing: checked })} />
        {state.status === 'ready' && (
          <p className="count muted" data-testid="device-count" aria-live="polite">
            {rows.length === state.list.count
              ? `${state.list.count} ${state.list.count === 1 ? 'device' : 'devices'}`
              : `Showing ${rows.length} of ${state.list.count} devices`}
          </p>
        )}
      </div>
      {fleetSearch.truncated && (
        <p className="muted" role="status" data-testid="search-truncated">
          Showing the first {fleetSearch.matches?.size} matches of the config values; refine the search to see the others.
        </p>
      )}

      <BulkBar
        selected={[...selection.selected]}
        onClear={selection.clear}
        onChanged={() => void load(true)}
        onDeleted={(macs) => {
          setState((current) => (current.status === 'ready' ? { ...current, list: withoutConfigs(current.list, macs) } : current));
          void load(true);
        }}
      />

      {state.status === 'loading' && <ListSkeleton />}

      {state.status === 'ready' && state.refreshError && (
        <ErrorAlert error={state.refreshError} title="The device list could not be refreshed: it is shown as it was" onRetry={() => void load(true)} />
      )}

      {state.status === 'error' && <ErrorAlert error={state.error} title="The device list could not be loaded" onRetry={() => void load()} />}

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
          <h2>{query ? <>No device matches “<bdi>{query}</bdi>”</> : 'No device matches these filters'}</h2>
          <p className="muted">Search by any part of the MAC address (any format), the device name, the entity ID or any value in a config.</p>
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
                <th scope="col" className="select-col">
                  <label className="row-check">
                    <input
                      type="checkbox"
                      checked={allMatchingSelected}
                      ref={(box) => {
                        if (box) box.indeterminate = someSelected && !allMatchingSelected;
                      }}
                      onChange={(event) => selection.selectAll(matchingMacs, event.target.checked)}
                      data-testid="select-all"
                    />
                    <span className="visually-hidden">Select all {matchingMacs.length} matching devices</span>
                  </label>
                </th>
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
                <DeviceRow
                  key={config.mac_address}
                  config={config}
                  selected={selection.selected.has(config.mac_address)}
                  onSelect={selection.select}
                  match={matchOf(config)}
                  onDelete={setDeleting}
                />
              ))}
            </tbody>
          </table>
          {shownRows.length < rows.length && (
            <div className="list-more" data-testid="list-more">
              <p className="muted">
                Showing the first {shownRows.length.toLocaleString()} of {rows.length.toLocaleString()}; search to find any device.
              </p>
              <button type="button" className="btn btn-secondary" onClick={showMore} data-testid="show-more">
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
            setState((current) => (current.status === 'ready' ? { ...current, list: withoutConfigs(current.list, [deleting.mac_address]) } : current));
            setDeleting(null);
            void load(true);
          }}
        />
      )}
    </section>
  );
}

export function withoutConfigs(list: ConfigListResponse, macs: readonly string[]): ConfigListResponse {
  const gone = new Set(macs);
  const configs = list.configs.filter((config) => !gone.has(config.mac_address));
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
