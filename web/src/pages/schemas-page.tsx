import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useApi } from '../api/api-context.js';
import { asApiError, type ApiError, type SchemaListItem, type StoredSchema } from '../api/client.js';
import { ErrorAlert } from '../components/error-alert.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { PageHeading } from '../components/page-heading.js';
import { SchemaEditorCard } from '../components/schema-editor-card.js';
import { useToast } from '../components/toast.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { exactTime, relativeTime } from '../lib/history-labels.js';
import '../components/history.css';

type Editing = { kind: 'new' } | { kind: 'edit'; stored: StoredSchema; etag: string | null } | null;

/** `/schemas`: the JSON Schemas configs are checked against, with how many configs each applies to and fails. */
export function SchemasPage() {
  const api = useApi();
  const toast = useToast();
  useDocumentTitle('Schemas');
  const [schemas, setSchemas] = useState<SchemaListItem[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState<Editing>(null);

  const load = useCallback(() => {
    setError(null);
    api.listSchemas().then(setSchemas, (caught: unknown) => setError(asApiError(caught)));
  }, [api]);
  useEffect(load, [load]);

  const edit = async (name: string) => {
    try {
      const { body, etag } = await api.getSchema(name);
      setEditing({ kind: 'edit', stored: body, etag });
    } catch (caught) {
      setError(asApiError(caught));
    }
  };

  const remove = async (name: string) => {
    if (!window.confirm(`Delete schema ${name}? The configs it applies to fall back to the default schema, or to none.`)) return;
    try {
      await api.deleteSchema(name);
      toast('success', `Deleted schema ${name}`);
      load();
    } catch (caught) {
      setError(asApiError(caught));
    }
  };

  return (
    <section className="stack" data-testid="schemas-page">
      <div className="page-header">
        <div>
          <PageHeading>Schemas</PageHeading>
          <p className="muted">
            A config is checked against the schema named by its <code>deviceType</code>, else against <code>default</code>. A config that fails is not saved.
          </p>
        </div>
        <div className="header-buttons">
          <button type="button" className="btn btn-primary" onClick={() => setEditing({ kind: 'new' })} disabled={editing !== null} data-testid="new-schema">
            New schema
          </button>
        </div>
      </div>
      {error && <ErrorAlert error={error} title="The schemas could not be loaded" onRetry={load} />}
      {editing !== null && (
        <SchemaEditorCard
          key={editing.kind === 'edit' ? `${editing.stored.name} ${editing.etag}` : 'new'}
          existing={editing.kind === 'edit' ? editing : null}
          onCancel={() => setEditing(null)}
          onSaved={(name) => {
            toast('success', `Saved schema ${name}`);
            setEditing(null);
            load();
          }}
        />
      )}
      {!error && schemas === null && <LoadingPlaceholder className="card skeleton-block" label="Loading the schemas" />}
      {schemas?.length === 0 && editing === null && (
        <div className="empty-state card" data-testid="schemas-empty">
          <h2>No schemas</h2>
          <p className="muted">Without a schema any JSON object is saved. Add one to catch bad configs before a device reads them.</p>
        </div>
      )}
      {schemas && schemas.length > 0 && (
        <div className="card table-wrap">
          <table className="history-table" data-testid="schemas-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Title</th>
                <th scope="col">Configs</th>
                <th scope="col">Failing</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {schemas.map((schema) => (
                <tr key={schema.name} data-testid="schema-row" data-name={schema.name}>
                  <td data-label="Name" className="mono">
                    {schema.name}
                  </td>
                  <td data-label="Title">{schema.title ?? <span className="muted">none</span>}</td>
                  <td data-label="Configs">{schema.config_count}</td>
                  <td data-label="Failing" data-testid="schema-failing">
                    {schema.failing_count > 0 ? (
                      <Link to="/devices?schema=failing" className="badge badge-warning">
                        {schema.failing_count} failing
                      </Link>
                    ) : (
                      <span className="muted">0</span>
                    )}
                  </td>
                  <td data-label="Updated">
                    <time dateTime={schema.updated_at} title={exactTime(schema.updated_at)}>
                      {relativeTime(schema.updated_at)}
                    </time>
                  </td>
                  <td className="actions-cell">
                    <button type="button" className="btn btn-secondary btn-sm" onClick={() => void edit(schema.name)} data-testid="edit-schema">
                      Edit
                    </button>
                    <button type="button" className="btn btn-danger-outline btn-sm" onClick={() => void remove(schema.name)} data-testid="delete-schema">
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
