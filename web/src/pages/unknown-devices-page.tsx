import { Link } from 'react-router-dom';
import type { ApiClient } from '../api/client.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PlusIcon } from '../components/icons.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { PageHeading } from '../components/page-heading.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { useLoaded } from '../components/use-loaded.js';
import { relativeTime } from '../lib/sync-status.js';

const listUnknown = (api: ApiClient) => api.listUnknownDevices();

/** `/devices/unknown`: MACs that asked for a config they do not have (a board booted without one), each with "Create config". */
export function UnknownDevicesPage() {
  const [state, reload] = useLoaded(listUnknown);
  useDocumentTitle('Unknown devices');

  return (
    <section className="stack" data-testid="unknown-devices-page">
      <div className="page-header">
        <div>
          <PageHeading>Unknown devices</PageHeading>
          <p className="muted">Devices that asked for their config and got none: create one and they load it on their next fetch.</p>
        </div>
      </div>
      {state.status === 'loading' && <LoadingPlaceholder className="card skeleton-block" label="Loading unknown devices" testId="unknown-loading" />}
      {state.status === 'error' && <ErrorAlert error={state.error} title="The unknown devices could not be loaded" onRetry={reload} />}
      {state.status === 'ready' && state.value.length === 0 && (
        <div className="empty-state card" data-testid="unknown-empty">
          <h2>No unknown devices</h2>
          <p className="muted">Every device that fetched its config has one.</p>
        </div>
      )}
      {state.status === 'ready' && state.value.length > 0 && (
        <div className="table-wrap card">
          <table className="device-table" data-testid="unknown-table">
            <thead>
              <tr>
                <th scope="col">MAC address</th>
                <th scope="col">Last asked</th>
                <th scope="col">Fetches</th>
                <th scope="col">Client</th>
                <th scope="col" className="actions-col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.value.map((device) => (
                <tr key={device.mac_address} data-testid="unknown-row" data-mac={device.mac_address}>
                  <td data-label="MAC address" className="mono">
                    {device.mac_address}
                  </td>
                  <td data-label="Last asked" title={device.last_fetch_at}>
                    {relativeTime(device.last_fetch_at)}
                  </td>
                  <td data-label="Fetches">{device.count}</td>
                  <td data-label="Client">
                    <span className="mono">{device.client}</span>
                    {device.user_agent && <span className="muted"> · {device.user_agent}</span>}
                  </td>
                  <td className="actions-cell">
                    <Link to={`/devices/new?mac=${device.mac_address}`} className="btn btn-secondary btn-sm" data-testid="create-config">
                      <PlusIcon /> Create config
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
