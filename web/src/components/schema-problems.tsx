import type { Validation } from '../api/client.js';
import { AlertIcon } from './icons.js';
import './schemas.css';

/** The ways the editor's text fails its schema, and the choice to save it anyway. */
export function SchemaProblems({ result, onSaveAnyway, saveAnywayDisabled }: { result: Validation | null; onSaveAnyway: () => void; saveAnywayDisabled: boolean }) {
  if (result === null || result.valid) return null;
  const count = result.errors.length;
  return (
    <div className="alert alert-warning schema-problems" role="status" data-testid="schema-problems">
      <AlertIcon className="alert-icon" />
      <div className="alert-body">
        <p className="alert-title">
          Fails schema <code>{result.schema}</code>: {count} {count === 1 ? 'error' : 'errors'}. Fix {count === 1 ? 'it' : 'them'} to save.
        </p>
        <ul className="schema-error-list">
          {result.errors.map((error) => (
            <li key={`${error.pointer} ${error.keyword} ${error.message}`} data-testid="schema-error">
              <code>{error.pointer || '/'}</code> {error.message}
            </li>
          ))}
        </ul>
        <button type="button" className="btn btn-sm btn-danger-outline" onClick={onSaveAnyway} disabled={saveAnywayDisabled} data-testid="save-anyway">
          Save anyway
        </button>
      </div>
    </div>
  );
}
