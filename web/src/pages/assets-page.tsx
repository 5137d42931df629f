import { useState, type MouseEvent } from 'react';
import { asApiError, assetUrl, type ApiClient, type ApiError, type Asset } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { ErrorAlert } from '../components/error-alert.js';
import { CopyIcon } from '../components/icons.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { PageHeading } from '../components/page-heading.js';
import { useToast } from '../components/toast.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { useLoaded } from '../components/use-loaded.js';
import { saveAs } from '../lib/save-as.js';
import { relativeTime } from '../lib/sync-status.js';

const listAssets = (api: ApiClient) => api.listAssets();

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB'];

/** `1536` → `1.5 KiB`. */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** `/assets`: the firmware and OTA files, with a download link each. Uploads are signed scripts, not this page. */
export function AssetsPage() {
  const api = useApi();
  const toast = useToast();
  const [state, reload] = useLoaded(listAssets);
  const [downloadError, setDownloadError] = useState<ApiError | null>(null);
  useDocumentTitle('Assets');

  // Fetched with the token the UI holds: a plain link would be refused once DEVICE_TOKEN or ADMIN_TOKEN is set.
  const download = async (event: MouseEvent<HTMLAnchorElement>, filename: string) => {
    event.preventDefault();
    setDownloadError(null);
    try {
      saveAs(await api.downloadAsset(filename), filename);
    } catch (error) {
      setDownloadError(asApiError(error));
    }
  };

  const copy = async (asset: Asset) => {
    try {
      await navigator.clipboard.writeText(asset.sha256);
      toast('success', `Copied the SHA-256 of ${asset.filename}`);
    } catch {
      toast('error', `The browser did not allow copying; the SHA-256 is ${asset.sha256}`);
    }
  };

  return (
    <section className="stack" data-testid="assets-page">
      <div className="page-header">
        <div>
          <PageHeading>Assets</PageHeading>
          <p className="muted">
            Firmware and OTA files that devices download. Uploads are signed by a script holding the signing key, not made here: see{' '}
            <a href="/api/docs#/assets" target="_blank" rel="noreferrer">
              the API docs
            </a>{' '}
            and <span className="mono">docs/assets.md</span> for the openssl recipe.
          </p>
        </div>
      </div>
      {downloadError && <ErrorAlert error={downloadError} title="The download failed" />}
      {state.status === 'loading' && <LoadingPlaceholder className="card skeleton-block" label="Loading assets" testId="assets-loading" />}
      {state.status === 'error' && <ErrorAlert error={state.error} title="The assets could not be loaded" onRetry={reload} />}
      {state.status === 'ready' && state.value.length === 0 && (
        <div className="empty-state card" data-testid="assets-empty">
          <h2>No assets yet</h2>
          <p className="muted">Files appear here once a signed upload has stored them.</p>
        </div>
      )}
      {state.status === 'ready' && state.value.length > 0 && (
        <div className="table-wrap card">
          <table className="device-table" data-testid="assets-table">
            <caption className="visually-hidden">Stored assets</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">Uploaded</th>
                <th scope="col">SHA-256</th>
                <th scope="col" className="actions-col">
                  <span className="visually-hidden">Download</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.value.map((asset) => (
                <tr key={asset.filename} data-testid="asset-row" data-filename={asset.filename}>
                  <td data-label="File" className="mono">
                    {asset.filename}
                  </td>
                  <td data-label="Size" title={`${asset.size} bytes`}>
                    {formatSize(asset.size)}
                  </td>
                  <td data-label="Uploaded" title={asset.uploaded_at}>
                    <time dateTime={asset.uploaded_at}>{relativeTime(asset.uploaded_at)}</time>
                  </td>
                  <td data-label="SHA-256">
                    <code className="mono" title={asset.sha256} data-testid="asset-sha">
                      {asset.sha256.slice(0, 12)}…
                    </code>{' '}
                    <button type="button" className="btn btn-ghost btn-sm" onClick={() => void copy(asset)} aria-label={`Copy the SHA-256 of ${asset.filename}`} data-testid="copy-sha">
                      <CopyIcon />
                    </button>
                  </td>
                  <td className="actions-cell">
                    <a
                      href={assetUrl(asset.filename)}
                      download={asset.filename}
                      className="btn btn-secondary btn-sm"
                      onClick={(event) => void download(event, asset.filename)}
                      data-testid="asset-download"
                    >
                      Download<span className="visually-hidden"> {asset.filename}</span>
                    </a>
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
