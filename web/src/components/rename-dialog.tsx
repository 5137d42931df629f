import { useState } from 'react';
import { asApiError, type ApiError, type ConfigResponse, type Tagged } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { normaliseMac } from '../lib/config-text.js';
import { Dialog } from './dialog.js';
import { ErrorAlert } from './error-alert.js';
import { MacField } from './mac-field.js';
import { RenameIcon } from './icons.js';

/** Moves a config to a new MAC in one atomic call (a board was swapped). */
export function RenameDialog({
  mac,
  etag,
  onRenamed,
  onClose,
  onStale,
}: {
  mac: string;
  etag: string | null;
  onRenamed: (renamed: Tagged<ConfigResponse>) => void;
  onClose: () => void;
  /** The config changed since it was loaded (412): its owner shows it anew, as retrying would only fail again. */
  onStale: (failure: ApiError) => void;
}) {
  const api = useApi();
  const [input, setInput] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const target = normaliseMac(input.trim());

  const rename = async () => {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      onRenamed(await api.renameConfig(mac, target, etag));
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
    <Dialog title="Rename device" testId="rename-dialog" onClose={onClose}>
      <form
        className="dialog-body"
        onSubmit={(event) => {
          event.preventDefault();
          void rename();
        }}
      >
        <p className="muted">
          Move the config of <strong className="mono">{mac}</strong> to the MAC address of the new board. The old address stops
          having a config.
        </p>
        <MacField label="New MAC address" value={input} onChange={setInput} testId="rename-mac" autoFocus />
        {error && (
          <ErrorAlert
            error={error}
            title={error.code === 'RECORD_EXISTS' ? 'A config for this MAC already exists. Delete or rename it first.' : undefined}
          />
        )}
        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" onClick={onClose} data-testid="cancel-rename">
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!target || target === mac || busy} data-testid="confirm-rename">
            <RenameIcon /> {busy ? 'Renaming…' : 'Rename'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
