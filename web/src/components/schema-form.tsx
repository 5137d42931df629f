import { useId } from 'react';
import type { Validation } from '../api/client.js';
import { setValueAt } from '../lib/json-tree.js';
import { schemasAt, type JsonSchema } from '../lib/schema-lookup.js';
import './schemas.css';

type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);
const pointerOf = (segments: readonly string[]) => segments.map((segment) => `/${segment.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** What the schemas at a place say, merged: the first title, description, type, enum and default, and all properties. */
function fieldOf(root: JsonSchema, segments: readonly string[]) {
  const merged: { title?: string; description?: string; type?: string; enum?: Json[]; default?: Json; properties: Record<string, true>; required: Set<string> } = { properties: {}, required: new Set() };
  for (const schema of schemasAt(root, segments)) {
    if (merged.title === undefined && typeof schema.title === 'string') merged.title = schema.title;
    if (merged.description === undefined && typeof schema.description === 'string') merged.description = schema.description;
    if (merged.type === undefined && typeof schema.type === 'string') merged.type = schema.type;
    if (merged.enum === undefined && Array.isArray(schema.enum)) merged.enum = schema.enum as Json[];
    if (!('default' in merged) && 'default' in schema) merged.default = schema.default;
    if (isObject(schema.properties)) for (const key of Object.keys(schema.properties)) merged.properties[key] = true;
    if (Array.isArray(schema.required)) for (const key of schema.required as unknown[]) merged.required.add(String(key));
  }
  if (merged.type === undefined && Object.keys(merged.properties).length > 0) merged.type = 'object';
  return merged;
}

interface FieldProps {
  root: JsonSchema;
  segments: string[];
  value: Json;
  required: boolean;
  errors: Map<string, string[]>;
  onSet: (segments: string[], valueText: string) => void;
}

function FieldErrors({ messages }: { messages: string[] | undefined }) {
  if (messages === undefined) return null;
  return (
    <span className="field-error" data-testid="form-error">
      {messages.join('; ')}
    </span>
  );
}

/** One field generated from the schema: a select for an enum, a checkbox, a number or text input, or a fieldset. */
function Field({ root, segments, value, required, errors, onSet }: FieldProps) {
  const id = useId();
  const field = fieldOf(root, segments);
  const key = segments.at(-1) ?? '';
  const pointer = pointerOf(segments);
  const label = (
    <span className="field-label">
      {field.title ?? key}
      {required && <span aria-hidden="true"> *</span>} <code className="muted">{key}</code>
    </span>
  );
  const hint = field.description && <span className="field-hint">{field.description}</span>;
  const placeholder = field.default === undefined ? undefined : `default: ${JSON.stringify(field.default)}`;
  const common = { id, 'data-testid': `form-field-${pointer}`, 'aria-invalid': errors.has(pointer) };

  if (field.type === 'object' || (isObject(value) && Object.keys(field.properties).length > 0)) {
    const content = isObject(value) ? value : {};
    return (
      <fieldset className="form-fieldset">
        <legend>{label}</legend>
        {hint}
        <FieldErrors messages={errors.get(pointer)} />
        {Object.keys(field.properties).map((child) => (
          <Field key={child} root={root} segments={[...segments, child]} value={content[child]} required={field.required.has(child)} errors={errors} onSet={onSet} />
        ))}
      </fieldset>
    );
  }
  let input;
  if (field.enum !== undefined) {
    const options = field.enum.map((option) => JSON.stringify(option));
    const current = value === undefined ? '' : JSON.stringify(value);
    input = (
      <select className="input" {...common} value={current} onChange={(event) => event.target.value !== '' && onSet(segments, event.target.value)}>
        <option value="">{placeholder ?? '—'}</option>
        {!options.includes(current) && current !== '' && <option value={current}>{current} (not allowed)</option>}
        {field.enum.map((option, i) => (
          <option key={options[i]} value={options[i]}>
            {typeof option === 'string' ? option : options[i]}
          </option>
        ))}
      </select>
    );
  } else if (field.type === 'boolean') {
    input = <input type="checkbox" {...common} checked={value === true} onChange={(event) => onSet(segments, String(event.target.checked))} />;
  } else if (field.type === 'integer' || field.type === 'number') {
    input = (
      <input
        className="input"
        type="text"
        inputMode="decimal"
        {...common}
        placeholder={placeholder}
        value={value === undefined ? '' : typeof value === 'number' ? String(value) : JSON.stringify(value)}
        onChange={(event) => NUMBER.test(event.target.value.trim()) && onSet(segments, event.target.value.trim())}
      />
    );
  } else if (field.type === 'string' || typeof value === 'string') {
    input = <input className="input" type="text" {...common} placeholder={placeholder} value={typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)} onChange={(event) => onSet(segments, JSON.stringify(event.target.value))} />;
  } else {
    input = <span className="muted">Edit this value in the JSON tab.</span>;
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {input}
      {hint}
      <FieldErrors messages={errors.get(pointer)} />
    </div>
  );
}

/**
 * The config as a form generated from its schema. It edits the editor's text in place (see setValueAt), so keys the
 * schema does not name and values not touched keep their exact text when switching back to JSON.
 */
export function SchemaForm({ schema, text, validation, onText }: { schema: JsonSchema; text: string; validation: Validation | null; onText: (text: string) => void }) {
  let content: Json;
  try {
    content = JSON.parse(text) as Json;
  } catch {
    return <p className="alert alert-warning" data-testid="form-unavailable">Fix the JSON in the JSON tab to use the form.</p>;
  }
  const errors = new Map<string, string[]>();
  for (const error of validation?.errors ?? []) errors.set(error.pointer, [...(errors.get(error.pointer) ?? []), error.message]);
  const root = fieldOf(schema, []);
  const values = isObject(content) ? content : {};
  const onSet = (segments: string[], valueText: string) => {
    const next = setValueAt(text, segments, valueText);
    if (next !== null && next !== text) onText(next);
  };
  return (
    <form className="schema-form stack" data-testid="schema-form" onSubmit={(event) => event.preventDefault()}>
      <FieldErrors messages={errors.get('')} />
      {Object.keys(root.properties).map((key) => (
        <Field key={key} root={schema} segments={[key]} value={values[key]} required={root.required.has(key)} errors={errors} onSet={onSet} />
      ))}
    </form>
  );
}
