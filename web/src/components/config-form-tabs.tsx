import { useState, type ReactNode } from 'react';
import type { Validation } from '../api/client.js';
import type { JsonSchema } from '../lib/schema-lookup.js';
import { SchemaForm } from './schema-form.js';

export interface FormView {
  schema: JsonSchema;
  validation: Validation | null;
  text: string;
  /** Puts the form's edit into the editor, so both views edit one document and undo covers both. */
  onText: (text: string) => void;
}

/** JSON and Form tabs over one document; without a schema, the JSON editor alone. The editor stays mounted, hidden, so its undo history is kept. */
export function ConfigFormTabs({ form, children }: { form: FormView | null; children: ReactNode }) {
  const [tab, setTab] = useState<'json' | 'form'>('json');
  const showForm = form !== null && tab === 'form';
  return (
    <>
      {form !== null && (
        <div className="editor-tabs" role="tablist" aria-label="Edit as">
          <button type="button" role="tab" aria-selected={!showForm} className={`editor-tab${showForm ? '' : ' is-active'}`} onClick={() => setTab('json')} data-testid="tab-json">
            JSON
          </button>
          <button type="button" role="tab" aria-selected={showForm} className={`editor-tab${showForm ? ' is-active' : ''}`} onClick={() => setTab('form')} data-testid="tab-form">
            Form
          </button>
        </div>
      )}
      <div className={showForm ? 'is-hidden' : undefined}>{children}</div>
      {showForm && <SchemaForm schema={form.schema} text={form.text} validation={form.validation} onText={form.onText} />}
    </>
  );
}
