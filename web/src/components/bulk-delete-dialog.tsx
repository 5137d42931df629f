import { useEffect, useId, useState } from 'react';
import { asApiError, type ApiError } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { Dialog } from './dialog.js';
import { ErrorAlert } from './error-alert.js';
import { TrashIcon } from './icons.js';

/** MACs named in the question; more are counted. */
const LISTED_MACS = 12;

type Outcome = 'deleted' | 'conflict' | 'not_found' | 'failed';
const OUTCOME_LABELS: Record<Outcome, string> = {
  deleted: 'Deleted',
  conflict: 'Changed meanwhile: not deleted',
  not_found: 'Not found',
  failed: 'Failed',
};

/**
 * Deletes the selected devices, after the person types how many. Each goes through the delete route with the ETag it
 * had when the dialog opened (read with an empty dry-run bulk edit), so one changed since is kept and reported.
 */
export function BulkDeleteDialog({ macs, onClose, onDeleted }: { macs: readonly string[]; onClose: () => void; onDeleted: (deleted: string[]) => void }) {
  const api = useApi();
  const [etags, setEtags] = useState<Map<string, string | null> | null>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [outcomes, setOutcomes] = useState<{ mac: string; outcome: Outcome; error?: string }[] | null>(null);
  const inputId = useId();

  useEffect(() => {
    let live = true;
    api.bulkEdit({ macs: [...macs], patch: {} }, true).then(
      (results) => live && setEtags(new Map(results.map((result) => [result.mac_address, result.etag]))),
      (caught: unknown) => live && setError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, macs]);

  const confirm = async () => {
    if (!etags) return;
    setBusy(true);
    const done: { mac: string; outcome: Outcome; error?: string }[] = [];
    for (const mac of macs) {
      const etag = etags.get(mac) ?? null;
      if (etag === null) {
        done.push({ mac, outcome: 'not_found' });
        continue;
      }
      try {
        await api.deleteConfig(mac, etag);
        done.push({ mac, outcome: 'deleted' });
      } catch (caught) {
        const failure = asApiError(caught);
        const outcome = failure.code === 'PRECONDITION_FAILED' ? 'conflict' : failure.code === 'RECORD_NOT_FOUND' ? 'not_found' : 'failed';
        done.push({ mac, outcome, error: outcome === 'failed' ? failure.message : undefined });
      }
    }
    setOutcomes(done);
    setBusy(false);
    onDeleted(done.filter((each) => each.outcome === 'deleted').map((each) => each.mac));
  };

  const count = (outcome: Outcome) => outcomes?.filter((each) => each.outcome === outcome).length ?? 0;
  return (
    <Dialog title={outcomes ? 'Deletion done' : `Delete ${macs.length} devices?`} testId="bulk-delete-dialog" tone="danger" onClose={onClose}>
      <div className="dialog-body">
        {outcomes === null ? (
          <>
            <p className="mono bulk-macs" data-testid="bulk-delete-macs">
              {macs.slice(0, LISTED_MACS).join(', ')}
              {macs.length > LISTED_MACS && ` and ${macs.length - LISTED_MACS} more`}
            </p>
            <p>
              Their configs will be removed; the devices will no longer find them at boot. Their history is kept (see Deleted).
            </p>
            <div className="field">
              <label className="field-label" htmlFor={inputId}>
                Type {macs.length} to confirm
              </label>
              <input
                id={inputId}
                className="input"
                inputMode="numeric"
                autoComplete="off"
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
                data-testid="bulk-delete-count"
              />
            </div>
          </>
        ) : (
          <div className="bulk-results" data-testid="bulk-delete-report">
            <p aria-live="polite">
              {count('deleted')} deleted
              {count('conflict') > 0 && `, ${count('conflict')} changed meanwhile (kept)`}
              {count('not_found') > 0 && `, ${count('not_found')} not found`}
              {count('failed') > 0 && `, ${count('failed')} failed`}.
            </p>
            <ul className="bulk-list">
              {outcomes.map((each) => (
                <li key={each.mac} data-testid="bulk-delete-result" data-mac={each.mac} data-status={each.outcome}>
                  <span className="mono">{each.mac}</span> <span className={`badge bulk-status-${each.outcome}`}>{OUTCOME_LABELS[each.outcome]}</span>
                  {each.error && <span className="bulk-error"> {each.error}</span>}
                </li>
              ))}
            </ul>
          </div>
        )}
        {error && <ErrorAlert error={error} title="The devices could not be read: nothing was deleted" />}
        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" autoFocus onClick={onClose} data-testid="bulk-delete-cancel">
            {outcomes ? 'Close' : 'Cancel'}
          </button>
          {outcomes === null && (
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy || etags === null || typed.trim() !== String(macs.length)}
              onClick={() => void confirm()}
              data-testid="bulk-delete-confirm"
            >
              <TrashIcon /> {busy ? 'Deleting…' : `Delete ${macs.length}`}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
