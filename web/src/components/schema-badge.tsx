import type { ConfigSummary } from '../api/client.js';
import { AlertIcon } from './icons.js';
import './schemas.css';

/** A warning on a config that fails its schema (stored before the schema, by hand, or with "Save anyway"). */
export function SchemaBadge({ validation }: { validation: ConfigSummary['validation'] }) {
  if (validation === undefined || validation.valid) return null;
  const errors = `${validation.error_count} ${validation.error_count === 1 ? 'error' : 'errors'}`;
  return (
    <span className="badge badge-warning schema-badge" title={`Fails schema ${validation.schema ?? ''}: ${errors}`} data-testid="schema-badge">
      <AlertIcon /> Fails {validation.schema}
    </span>
  );
}

/** The list's filter that keeps only the configs failing their schema; it shows once one does. */
export function FailingSchemaFilter({ checked, failing, onChange }: { checked: boolean; failing: number; onChange: (checked: boolean) => void }) {
  if (failing === 0 && !checked) return null;
  return (
    <label className="failing-filter" data-testid="failing-filter">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      Only the {failing} failing their schema
    </label>
  );
}
