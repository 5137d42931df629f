import { useId, useState } from 'react';
import { asApiError, type ApiError, type BulkResult } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { bulkRequestOf, describeChange, parseTypedValue, RESULT_LABELS, retryable, type BulkChangeForm } from '../lib/bulk-change.js';
import { Dialog } from './dialog.js';
import { ErrorAlert } from './error-alert.js';

type Step = { name: 'edit' } | { name: 'preview'; results: BulkResult[] } | { name: 'done'; results: BulkResult[] };
type Mode = BulkChangeForm['mode'];

const MODES: { mode: Mode; label: string }[] = [
  { mode: 'set', label: 'Set a value' },
  { mode: 'unset', label: 'Remove a key' },
  { mode: 'patch', label: 'Merge patch' },
];

/**
 * One change for the selected devices: typed, previewed per device (a dry run), then applied with the preview's ETags,
 * so a device changed after the preview is reported, not overwritten. Failed devices can be tried again.
 */
export function BulkChangeDialog({ macs: initialMacs, onClose, onApplied }: { macs: readonly string[]; onClose: () => void; onApplied: () => void }) {
  const api = useApi();
  const [macs, setMacs] = useState(initialMacs);
  const [mode, setMode] = useState<Mode>('set');
  const [path, setPath] = useState('');
  const [valueText, setValueText] = useState('');
  const [patchText, setPatchText] = useState('{\n  \n}');
  const [step, setStep] = useState<Step>({ name: 'edit' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string | null>(null);
  const ids = { path: useId(), value: useId(), patch: useId(), typed: useId() };
  const form: BulkChangeForm = mode === 'patch' ? { mode, patchText } : mode === 'unset' ? { mode, path } : { mode, path, valueText };
  const typed = parseTypedValue(valueText);

  const run = async (targets: readonly string[], dryRun: boolean, ifMatch?: Record<string, string>) => {
    const built = bulkRequestOf(form, targets);
    if ('error' in built) {
      setError(built.error);
      return null;
    }
    setBusy(true);
    setError(null);
    try {
      return await api.bulkEdit({ ...built.request, ...(ifMatch ? { if_match: ifMatch } : {}) }, dryRun);
    } catch (caught) {
      setError(asApiError(caught));
      return null;
    } finally {
      setBusy(false);
    }
  };

  const preview = async (targets: readonly string[] = macs) => {
    const results = await run(targets, true);
    if (results) setStep({ name: 'preview', results });
  };

  const apply = async (previewed: BulkResult[]) => {
    const changing = previewed.filter((result) => result.status === 'saved');
    const ifMatch = Object.fromEntries(changing.flatMap((result) => (result.etag ? [[result.mac_address, result.etag]] : [])));
    const results = await run(
      changing.map((result) => result.mac_address),
      false,
      ifMatch,
    );
    if (results) {
      setStep({ name: 'done', results });
      onApplied();
    }
  };

  const retry = async (results: BulkResult[]) => {
    const again = retryable(results);
    setMacs(again);
    await preview(again);
  };

  const title = step.name === 'edit' ? `Change ${macs.length} devices` : step.name === 'preview' ? 'Preview of the change' : 'Change applied';
  return (
    <Dialog title={title} testId="bulk-dialog" className="dialog-wide" onClose={onClose}>
      <div className="dialog-body">
        {step.name === 'edit' && (
          <>
            <div className="segmented bulk-modes" role="group" aria-label="Kind of change">
              {MODES.map((each) => (
                <button key={each.mode} type="button" aria-pressed={mode === each.mode} onClick={() => setMode(each.mode)} data-testid={`bulk-mode-${each.mode}`}>
                  {each.label}
                </button>
              ))}
            </div>
            {mode !== 'patch' && (
              <div className="field">
                <label className="field-label" htmlFor={ids.path}>
                  Path
                </label>
                <input id={ids.path} className="input input-mono" value={path} placeholder="mqtt.host" onChange={(event) => setPath(event.target.value)} data-testid="bulk-path" />
                <span className="field-hint">Keys separated by dots; array items by number (sensors.0.pin).</span>
              </div>
            )}
            {mode === 'set' && (
              <div className="field">
                <label className="field-label" htmlFor={ids.value}>
                  Value
                </label>
                <input
                  id={ids.value}
                  className="input input-mono"
                  value={valueText}
                  placeholder='"mqtt2.home.lan", 8883, true'
                  aria-describedby={ids.typed}
                  onChange={(event) => setValueText(event.target.value)}
                  data-testid="bulk-value"
                />
                <span id={ids.typed} className="field-hint" data-testid="bulk-value-type">
                  Read as JSON, else as text: this sets a {typed.type}.
                </span>
              </div>
            )}
            {mode === 'patch' && (
              <div className="field">
                <label className="field-label" htmlFor={ids.patch}>
                  JSON merge patch (RFC 7386)
                </label>
                <textarea
                  id={ids.patch}
                  className="input input-mono bulk-patch"
                  rows={6}
                  value={patchText}
                  onChange={(event) => setPatchText(event.target.value)}
                  data-testid="bulk-patch"
                />
                <span className="field-hint">An object merged into each config; a key set to null is removed.</span>
              </div>
            )}
          </>
        )}

        {step.name !== 'edit' && <BulkResults results={step.results} dryRun={step.name === 'preview'} />}
        {error && (typeof error === 'string' ? <p className="field-error" role="alert">{error}</p> : <ErrorAlert error={error} title="Nothing was changed" />)}

        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" onClick={onClose} data-testid="bulk-close">
            {step.name === 'done' ? 'Close' : 'Cancel'}
          </button>
          {step.name === 'edit' && (
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void preview()} data-testid="bulk-preview">
              {busy ? 'Checking…' : 'Preview'}
            </button>
          )}
          {step.name === 'preview' && (
            <>
              <button type="button" className="btn btn-secondary" onClick={() => setStep({ name: 'edit' })} data-testid="bulk-back">
                Back
              </button>
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy || !step.results.some((result) => result.status === 'saved')}
                onClick={() => void apply(step.results)}
                data-testid="bulk-apply"
              >
                {busy ? 'Applying…' : `Apply to ${step.results.filter((result) => result.status === 'saved').length} devices`}
              </button>
            </>
          )}
          {step.name === 'done' && retryable(step.results).length > 0 && (
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void retry(step.results)} data-testid="bulk-retry">
              Preview again for the {retryable(step.results).length} not saved
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

/** Per device: what a dry run would do (with its changes), or what applying did. */
function BulkResults({ results, dryRun }: { results: BulkResult[]; dryRun: boolean }) {
  const count = (status: BulkResult['status']) => results.filter((result) => result.status === status).length;
  const unchanged = results.filter((result) => result.status === 'unchanged');
  const listed = results.filter((result) => result.status !== 'unchanged');
  return (
    <div className="bulk-results" data-testid={dryRun ? 'bulk-preview-list' : 'bulk-report'}>
      <p data-testid="bulk-summary" aria-live="polite">
        {dryRun ? `${count('saved')} would change` : `${count('saved')} saved`}, {count('unchanged')} unchanged
        {count('conflict') > 0 && `, ${count('conflict')} changed meanwhile`}
        {count('failed') > 0 && `, ${count('failed')} failed`}
        {count('not_found') > 0 && `, ${count('not_found')} not found`}.
      </p>
      <ul className="bulk-list">
        {listed.map((result) => (
          <li key={result.mac_address} data-testid="bulk-result" data-mac={result.mac_address} data-status={result.status}>
            <span className="mono">{result.mac_address}</span>{' '}
            <span className={`badge bulk-status-${result.status}`}>{dryRun && result.status === 'saved' ? 'Would change' : RESULT_LABELS[result.status]}</span>
            {result.error && <span className="bulk-error"> {result.error}</span>}
            {result.diff && result.diff.length > 0 && (
              <ul className="bulk-diff mono">
                {result.diff.map((change) => (
                  <li key={change.path}>{describeChange(change)}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {unchanged.length > 0 && (
        <details className="bulk-unchanged" data-testid="bulk-unchanged">
          <summary>
            {unchanged.length} {unchanged.length === 1 ? 'device' : 'devices'} {dryRun ? 'would not change' : 'unchanged'}
          </summary>
          <p className="mono">{unchanged.map((result) => result.mac_address).join(', ')}</p>
        </details>
      )}
    </div>
  );
}
