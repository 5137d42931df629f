import { useEffect, useState } from 'react';
import { asApiError, type ApiError } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { Dialog } from './dialog.js';
import { ErrorAlert } from './error-alert.js';
import { TrashIcon } from './icons.js';

/**
 * Confirms and deletes one config with If-Match, so a config someone changed
 * after it was shown here is not deleted blindly. Without a known ETag (from
 * the list) it reads the config first.
 */
export function DeleteDialog({
  mac,
  deviceName,
  etag,
  onDeleted,
  onClose,
  onStale,
}: {
  mac: string;
  deviceName: string | null;
  etag?: string | null;
  onDeleted: () => void;
  onClose: () => void;
  /** Called instead of showing the 412 when the config changed since it was shown, if the owner can show it anew. */
  onStale?: (failure: ApiError) => void;
}) {
  const api = useApi();
  const [knownEtag, setKnownEtag] = useState<string | null | undefined>(etag);
  const [name, setName] = useState(deviceName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (etag !== undefined) return;
    let live = true;
    api.getConfig(mac).then(
      ({ body, etag: current }) => {
        if (!live) return;
        setKnownEtag(current);
        setName(body.device_name);
      },
      (caught: unknown) => {
        if (!live) return;
        const failure = asApiError(caught);
        // A file that is not valid JSON can still be deleted, by its ETag.
        if (failure.code === 'INVALID_STORED_CONFIG' && typeof failure.details.etag === 'string') setKnownEtag(failure.details.etag);
        else setError(failure);
      },
    );
    return () => {
      live = false;
    };
  }, [api, mac, etag]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.deleteConfig(mac, knownEtag);
      onDeleted();
    } catch (caught) {
      const failure = asApiError(caught);
      if (failure.code === 'PRECONDITION_FAILED' && onStale) {
        onStale(failure);
        return;
      }
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <Dialog title="Delete this config?" testId="delete-dialog" tone="danger" onClose={onClose}>
      <div className="dialog-body">
        <p>
          <strong className="mono" data-testid="delete-mac">
            {mac}
          </strong>
          {name ? (
            <>
              {' '}
              {/* Isolated: a right-to-left mark in a name would otherwise reorder the rest of the sentence. */}
              (<bdi data-testid="delete-name">{name}</bdi>)
            </>
          ) : null}{' '}
          will be removed. The device will no longer find its config at boot. This cannot be undone.
        </p>
        {error && (
          <ErrorAlert
            error={error}
            title={error.code === 'PRECONDITION_FAILED' ? 'This config changed since it was shown: nothing was deleted. Close this to see it as it is now.' : undefined}
          />
        )}
        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" autoFocus onClick={onClose} data-testid="cancel-delete">
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy || knownEtag === undefined || error?.code === 'PRECONDITION_FAILED'}
            onClick={() => void confirm()}
            data-testid="confirm-delete"
          >
            <TrashIcon /> {busy ? 'Deleting…' : 'Delete'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
