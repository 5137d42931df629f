import { useMemo, useRef, useState } from 'react';
import { useApi } from '../api/api-context.js';
import { asApiError, type ApiError, type DryRunResponse, type StoredSchema } from '../api/client.js';
import { META_SCHEMA_HINTS } from '../lib/meta-schema-hints.js';
import { ErrorAlert } from './error-alert.js';
import { JsonEditor } from './json-editor.js';
import { schemaHelpExtensions } from './schema-extensions.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const NEW_SCHEMA = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "",
  "type": "object",
  "properties": {}
}
`;

/** The dry run's answer as a sentence and a list: which configs would fail, and why. */
function DryRunResult({ run }: { run: DryRunResponse }) {
  if (run.failing_count === 0) {
    return (
      <p className="alert alert-success" data-testid="dry-run-result" data-failing="0">
        {run.config_count === 0 ? 'No stored config would use this schema.' : `All ${run.config_count} configs it applies to pass.`}
      </p>
    );
  }
  return (
    <div className="alert alert-warning" data-testid="dry-run-result" data-failing={run.failing_count}>
      <div className="alert-body">
        <p className="alert-title">
          {run.failing_count} of {run.config_count} {run.config_count === 1 ? 'config' : 'configs'} would fail:
        </p>
        <ul className="schema-error-list">
          {run.failing.slice(0, 50).map((config) => (
            <li key={config.mac_address} data-testid="dry-run-failing" data-mac={config.mac_address}>
              <code>{config.mac_address}</code>: {config.errors.slice(0, 3).map((error) => `${error.pointer || '/'} ${error.message}`).join('; ')}
              {config.errors.length > 3 && ` (and ${config.errors.length - 3} more)`}
            </li>
          ))}
        </ul>
        <p className="muted">Saving the schema changes no config: those configs are flagged until they are fixed.</p>
      </div>
    </div>
  );
}

/** Creates or edits one schema: its name (new ones), its JSON with keyword completion, a dry run, then save. */
export function SchemaEditorCard({ existing, onSaved, onCancel }: { existing: { stored: StoredSchema; etag: string | null } | null; onSaved: (name: string) => void; onCancel: () => void }) {
  const api = useApi();
  const initialText = useMemo(() => (existing ? `${JSON.stringify(existing.stored.schema, null, 2)}\n` : NEW_SCHEMA), [existing]);
  const [name, setName] = useState(existing?.stored.name ?? '');
  const text = useRef(initialText);
  const [dryRun, setDryRun] = useState<{ run: DryRunResponse; text: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const extensions = useMemo(() => schemaHelpExtensions(() => META_SCHEMA_HINTS), []);
  const nameValid = NAME.test(name);

  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      const sent = text.current;
      const { body } = await api.putSchema(name, sent, { dryRun: true });
      setDryRun({ run: body as DryRunResponse, text: sent });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.putSchema(name, text.current, { ifMatch: existing?.etag ?? null });
      onSaved(name);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  // The dry run answers for the text it was given: an edit since asks for a new one before saving.
  const [, setEdits] = useState(0);
  const checked = dryRun !== null && dryRun.text === text.current;

  return (
    <div className="card form-card stack" data-testid="schema-editor">
      <h2>{existing ? `Edit schema ${existing.stored.name}` : 'New schema'}</h2>
      {!existing && (
        <label className="field">
          <span className="field-label">Name</span>
          <input
            className={`input input-mono ${name !== '' && !nameValid ? 'input-invalid' : ''}`}
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="default, or a deviceType value such as sensor-node"
            data-testid="schema-name"
          />
          <span className="field-hint">
            Applies to configs whose <code>deviceType</code> is this name; <code>default</code> applies to the others.
          </span>
        </label>
      )}
      <JsonEditor
        initialText={initialText}
        label="Schema JSON"
        extensions={extensions}
        onChange={(next) => {
          text.current = next;
          setEdits((count) => count + 1);
        }}
      />
      {error && <ErrorAlert error={error} title={error.code === 'INVALID_SCHEMA' ? 'The schema does not compile' : 'The schema was not saved'} />}
      {checked && <DryRunResult run={dryRun.run} />}
      <div className="action-bar">
        <button type="button" className="btn btn-secondary" disabled={!nameValid || busy} onClick={() => void check()} data-testid="schema-dry-run">
          Check against stored configs
        </button>
        <button type="button" className="btn btn-primary" disabled={!nameValid || busy || !checked} onClick={() => void save()} data-testid="schema-save" title={checked ? undefined : 'Check it first'}>
          Save schema
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
