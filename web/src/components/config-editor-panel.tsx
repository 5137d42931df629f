import type { Extension } from '@codemirror/state';
import { useState, type Ref } from 'react';
import { summarizeConfig, type ConfigTextCheck } from '../lib/config-text.js';
import { summaryProblems } from '../../../src/domain/config-facts.js';
import { problemOf, WrongTypeBadge } from './fleet-facts.js';
import { ConfigFormTabs, type FormView } from './config-form-tabs.js';
import { CheckIcon, XIcon } from './icons.js';
import { JsonEditor, type JsonEditorHandle } from './json-editor.js';
import { OtaBadge } from './ota-badge.js';

/** The JSON editor with its validity line and the summary the service will derive from it. */
export function ConfigEditorPanel({
  initialText,
  check,
  dirty,
  onChange,
  editorRef,
  extensions,
  form = null,
}: {
  initialText: string;
  check: ConfigTextCheck;
  dirty: boolean;
  onChange: (text: string) => void;
  editorRef: Ref<JsonEditorHandle>;
  extensions?: Extension[];
  /** The Form tab, for a config with a schema. */
  form?: FormView | null;
}) {
  const summary = check.valid ? summarizeConfig('', check.content) : null;
  const problems = check.valid ? summaryProblems(check.content) : [];
  const nameProblem = problemOf(problems, 'deviceName');
  const entityProblem = problemOf(problems, 'deviceEntityId');
  const [revealed, setRevealed] = useState(false);
  return (
    <div className="editor-layout">
      <div className="card editor-card">
        <ConfigFormTabs form={form}>
          <JsonEditor
            ref={editorRef}
            initialText={initialText}
            onChange={onChange}
            label="Config JSON"
            extensions={extensions}
            secrets={revealed ? 'revealed' : 'masked'}
          />
        </ConfigFormTabs>
        <div className={`editor-status ${check.valid ? 'is-valid' : 'is-invalid'}`} data-testid="json-status" data-valid={check.valid}>
          {check.valid ? (
            <span className="status-ok">
              <CheckIcon /> Valid JSON
            </span>
          ) : (
            <span className="status-error" role="status">
              <XIcon /> {check.message}
            </span>
          )}
          <span className="spacer" />
          <button type="button" className="btn btn-ghost btn-sm" aria-pressed={revealed} onClick={() => setRevealed(!revealed)} data-testid="reveal-secrets">
            {revealed ? 'Hide secrets' : 'Reveal secrets'}
          </button>
          {dirty ? (
            <span className="dirty-indicator" data-testid="dirty-indicator">
              Unsaved changes
            </span>
          ) : (
            <span className="muted">No changes</span>
          )}
        </div>
      </div>
      <aside className="card summary-card" data-testid="summary" aria-label="Summary">
        <h2 className="summary-title">Summary</h2>
        {summary ? (
          <dl className="summary-list">
            <div>
              <dt>Device name</dt>
              <dd data-testid="summary-name">
                {summary.device_name || (nameProblem ? <WrongTypeBadge problem={nameProblem} /> : <span className="muted">not set</span>)}
              </dd>
            </div>
            <div>
              <dt>Entity ID</dt>
              <dd data-testid="summary-entity-id" className="mono">
                {summary.device_entity_id || (entityProblem ? <WrongTypeBadge problem={entityProblem} /> : <span className="muted">not set</span>)}
              </dd>
            </div>
            <div>
              <dt>OTA updates</dt>
              <dd>
                <OtaBadge value={summary.enable_ota} problem={problemOf(problems, 'enableOTA')} />
              </dd>
            </div>
          </dl>
        ) : (
          <p className="muted">Fix the JSON to see the summary.</p>
        )}
        <p className="summary-note muted">
          From the keys <code>deviceName</code>, <code>deviceEntityId</code> and <code>enableOTA</code>.
        </p>
      </aside>
    </div>
  );
}
