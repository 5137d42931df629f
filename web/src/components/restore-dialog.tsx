import { useState } from 'react';
import { asApiError, type ApiError, type ConfigResponse, type HistoryVersion, type Tagged } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { Dialog } from './dialog.js';
import { DiffView } from './diff-view.js';
import { ErrorAlert } from './error-alert.js';
import { HistoryIcon } from './icons.js';

/**
 * Confirms a restore, showing the difference it will make to the config as it is now, and restores with If-Match
 * so a config changed meanwhile is not overwritten blindly. `currentText` null: the config is deleted.
 */
export function RestoreDialog({
  mac,
  version,
  versionText,
  currentText,
  etag,
  onRestored,
  onStale,
  onClose,
}: {
  mac: string;
  version: HistoryVersion;
  versionText: string;
  currentText: string | null;
  etag: string | null;
  onRestored: (restored: Tagged<ConfigResponse>) => void;
  onStale: (failure: ApiError) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const unchanged = currentText === versionText;

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      onRestored(await api.restoreVersion(mac, version.version, etag));
    } catch (caught) {
      const failure = asApiError(caught);
      if (failure.code === 'PRECONDITION_FAILED') {
        onStale(failure);
        return;
      }
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Restore version ${version.version}?`} testId="restore-dialog" className="dialog-wide" onClose={onClose}>
      <div className="dialog-body">
        <p>
          {currentText === null ? (
            <>
              <strong className="mono">{mac}</strong> is deleted. Restoring creates it again with this version&apos;s content.
            </>
          ) : unchanged ? (
            'The config is already the same as this version. Restoring records it again as a new version.'
          ) : (
            <>
              <strong className="mono">{mac}</strong> will be saved with this version&apos;s content, as a new version. Its current
              content stays in the history. This is the change it makes:
            </>
          )}
        </p>
        {!unchanged && (
          <div className="restore-diff" data-testid="restore-diff">
            <DiffView stored={currentText ?? ''} mine={versionText} layout="unified" labels={['Now', `After the restore (version ${version.version})`]} />
          </div>
        )}
        {error && <ErrorAlert error={error} title="Nothing was restored" />}
        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" autoFocus onClick={onClose} data-testid="cancel-restore">
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void confirm()} data-testid="confirm-restore">
            <HistoryIcon /> {busy ? 'Restoring…' : 'Restore'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
