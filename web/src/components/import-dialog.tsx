import { useCallback, useEffect, useState } from 'react';
import { asApiError, type ApiError, type ImportResponse } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { Dialog } from './dialog.js';
import { DiffView } from './diff-view.js';
import { ErrorAlert } from './error-alert.js';

type Mode = 'merge' | 'replace';

/** One row of the plan's table: what happens to one config, or to one entry that is not one. */
interface PlanRow {
  action: 'create' | 'update' | 'unchanged' | 'delete' | 'invalid' | 'conflict';
  name: string;
  detail: string;
}

const ACTION_LABELS: Record<PlanRow['action'], string> = {
  create: 'Create',
  update: 'Update',
  unchanged: 'Unchanged',
  delete: 'Delete',
  invalid: 'Invalid',
  conflict: 'Conflict',
};

function rowsOf(plan: ImportResponse): PlanRow[] {
  return [
    ...plan.create.map((mac) => ({ action: 'create' as const, name: mac, detail: '' })),
    ...plan.update.map((each) => ({ action: 'update' as const, name: each.mac_address, detail: '' })),
    ...plan.delete.map((mac) => ({ action: 'delete' as const, name: mac, detail: '' })),
    ...plan.conflicts.map((each) => ({ action: 'conflict' as const, name: each.mac_address, detail: each.reason })),
    ...plan.invalid.map((each) => ({ action: 'invalid' as const, name: each.entry, detail: each.reason })),
    ...plan.unchanged.map((mac) => ({ action: 'unchanged' as const, name: mac, detail: '' })),
  ];
}

const count = (n: number, what: string) => `${n} ${what}`;

function summaryOf(plan: ImportResponse, done: boolean): string {
  const verbs = done ? ['created', 'updated', 'deleted'] : ['to create', 'to update', 'to delete'];
  return [
    count(plan.create.length, verbs[0]!),
    count(plan.update.length, verbs[1]!),
    count(plan.delete.length, verbs[2]!),
    count(plan.unchanged.length, 'unchanged'),
    count(plan.invalid.length, 'invalid'),
    count(plan.conflicts.length, 'conflicts'),
  ].join(', ');
}

/**
 * Imports an archive in two steps: a dry run whose plan is shown as a table (with a diff of each update on
 * demand), then, only on confirmation, the import itself. Replace mode asks to type the number of deletions.
 */
export function ImportDialog({ archive, onClose, onImported }: { archive: File; onClose: () => void; onImported: (result: ImportResponse) => void }) {
  const api = useApi();
  const [mode, setMode] = useState<Mode>('merge');
  const [plan, setPlan] = useState<ImportResponse | null>(null);
  const [result, setResult] = useState<ImportResponse | null>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [diff, setDiff] = useState<{ mac: string; current: string; archived: string } | null>(null);

  const dryRun = useCallback(
    async (chosen: Mode) => {
      setPlan(null);
      setError(null);
      setDiff(null);
      try {
        setPlan(await api.importArchive(archive, { dry_run: true, mode: chosen }));
      } catch (caught) {
        setError(asApiError(caught));
      }
    },
    [api, archive],
  );

  useEffect(() => {
    void dryRun(mode);
  }, [dryRun, mode]);

  const showDiff = async (mac: string) => {
    try {
      const answer = await api.importArchive(archive, { dry_run: true, mode, diff: mac });
      setDiff({ mac, current: answer.diff?.current_text ?? '', archived: answer.diff?.archive_text ?? '' });
    } catch (caught) {
      setError(asApiError(caught));
    }
  };

  const deletions = plan?.delete.length ?? 0;
  const confirmed = deletions === 0 || typed.trim() === String(deletions);
  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      const done = await api.importArchive(archive, { mode, confirm: deletions > 0 ? deletions : undefined });
      setResult(done);
      onImported(done);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  const shown = result ?? plan;
  return (
    <Dialog title={result ? 'Import done' : `Import ${archive.name}?`} testId="import-dialog" className="dialog-wide" onClose={onClose}>
      <div className="dialog-body stack">
        {!result && (
          <fieldset className="import-mode" disabled={busy}>
            <legend>Mode</legend>
            <label>
              <input type="radio" name="import-mode" checked={mode === 'merge'} onChange={() => setMode('merge')} data-testid="mode-merge" /> Merge: create and update, never delete
            </label>
            <label>
              <input type="radio" name="import-mode" checked={mode === 'replace'} onChange={() => setMode('replace')} data-testid="mode-replace" /> Replace: also delete the configs the
              archive does not have
            </label>
          </fieldset>
        )}
        {error && <ErrorAlert error={error} />}
        {!shown && !error && <p className="muted">Reading the archive…</p>}
        {shown && (
          <>
            <p data-testid={result ? 'import-result' : 'import-summary'} role="status">
              {summaryOf(shown, Boolean(result))}
            </p>
            <div className="table-wrap import-plan">
              <table className="device-table" data-testid="import-plan">
                <thead>
                  <tr>
                    <th scope="col">Action</th>
                    <th scope="col">Config or entry</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {rowsOf(shown).map((row) => (
                    <tr key={`${row.action}:${row.name}`} data-testid="plan-row" data-action={row.action}>
                      <td>{ACTION_LABELS[row.action]}</td>
                      <td className="mono">
                        <bdi>{row.name}</bdi>
                      </td>
                      <td>
                        {row.detail}
                        {row.action === 'update' && !result && (
                          <button type="button" className="btn btn-secondary btn-small" onClick={() => void showDiff(row.name)} data-testid="show-diff">
                            Show diff
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        {diff && <DiffView stored={diff.current} mine={diff.archived} layout="unified" labels={[`${diff.mac} now`, 'In the archive']} />}
        {!result && deletions > 0 && (
          <label className="stack">
            <span>
              This deletes {deletions} config(s). Type <strong>{deletions}</strong> to confirm:
            </span>
            <input className="input" inputMode="numeric" value={typed} onChange={(event) => setTyped(event.target.value)} data-testid="confirm-deletions" />
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn btn-secondary" onClick={onClose} data-testid="close-import">
            {result ? 'Close' : 'Cancel'}
          </button>
          {!result && (
            <button
              type="button"
              className={deletions > 0 ? 'btn btn-danger' : 'btn btn-primary'}
              disabled={busy || !plan || !confirmed}
              onClick={() => void apply()}
              data-testid="apply-import"
            >
              {busy ? 'Importing…' : 'Apply import'}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
