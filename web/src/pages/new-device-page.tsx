import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { asApiError, type ApiClient, type ApiError } from '../api/client.js';
import { clearUniqueValues, DEFAULT_UNIQUE_KEYS } from '../lib/unique-keys.js';
import { useApi } from '../api/api-context.js';
import { ConfigEditorPanel } from '../components/config-editor-panel.js';
import { ErrorAlert } from '../components/error-alert.js';
import { AlertIcon, SaveIcon } from '../components/icons.js';
import type { JsonEditorHandle } from '../components/json-editor.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { MacField } from '../components/mac-field.js';
import { PageHeading } from '../components/page-heading.js';
import { useToast } from '../components/toast.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { useUnsavedChangesGuard } from '../components/unsaved-changes-guard.js';
import { useSaveShortcut } from '../components/use-save-shortcut.js';
import { checkConfigText, NEW_CONFIG_TEMPLATE, normaliseMac, storedContentText } from '../lib/config-text.js';
import { FormatJsonButton } from '../components/format-json-button.js';

/** `cleared`: the unique values (UNIQUE_KEYS) emptied in a duplicate, for the person to give the new device its own. */
type Source = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; text: string; cleared?: string[] };

/** A duplicate of `text` without the values that must stay unique: the service's UNIQUE_KEYS (its defaults if unread). */
async function withoutUniqueValues(api: ApiClient, text: string): Promise<{ text: string; cleared: string[] }> {
  const paths = await api.fleetChecks().then(
    (checked) => checked.unique_keys,
    () => DEFAULT_UNIQUE_KEYS,
  );
  return clearUniqueValues(text, paths);
}

/**
 * `/devices/new`, prefilled with the template, or with another device's config (`?from=<mac>`, Duplicate);
 * `?mac=<mac>` fills in the MAC (from the page of a MAC that has no config).
 */
export function NewDevicePage() {
  const api = useApi();
  const [searchParams] = useSearchParams();
  const from = searchParams.get('from');
  const initialMac = normaliseMac(searchParams.get('mac')?.trim() ?? '') ?? '';
  const [source, setSource] = useState<Source>(from ? { status: 'loading' } : { status: 'ready', text: NEW_CONFIG_TEMPLATE });
  useDocumentTitle('New device');
  // Bumped by "Try again", to read the source once more.
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!from) {
      setSource({ status: 'ready', text: NEW_CONFIG_TEMPLATE });
      return;
    }
    let live = true;
    setSource({ status: 'loading' });
    api
      .getConfig(from)
      .then(({ text }) => withoutUniqueValues(api, storedContentText(text)))
      .then(
        (copy) => live && setSource({ status: 'ready', ...copy }),
        (caught: unknown) => {
          if (!live) return;
          const error = asApiError(caught);
          // Duplicating a broken file still gives its text to fix.
          if (error.code === 'INVALID_STORED_CONFIG' && typeof error.details.raw === 'string') {
            setSource({ status: 'ready', text: error.details.raw });
          } else setSource({ status: 'error', error });
        },
      );
    return () => {
      live = false;
    };
  }, [api, from, attempt]);

  return (
    <section className="stack" data-testid="new-device-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/devices">Devices</Link> <span aria-hidden="true">/</span> <span>New</span>
      </nav>
      <div className="page-header">
        <div>
          <PageHeading>New device</PageHeading>
          {from && (
            <p className="muted" data-testid="duplicate-source">
              A copy of <span className="mono">{from}</span>: enter the MAC address of the new device.
            </p>
          )}
        </div>
      </div>
      {source.status === 'loading' && (
        <LoadingPlaceholder className="card skeleton-block" label={`Loading the config of ${from}`} testId="source-loading" />
      )}
      {source.status === 'error' && (
        <ErrorAlert error={source.error} title={`The config of ${from} could not be loaded`} onRetry={() => setAttempt((count) => count + 1)} />
      )}
      {source.status === 'ready' && source.cleared && source.cleared.length > 0 && (
        <div className="alert alert-warning" role="status" data-testid="cleared-unique">
          <AlertIcon className="alert-icon" />
          <div className="alert-body">
            <p className="alert-title">Values that must be unique were not copied</p>
            <p>
              {source.cleared.map((path, index) => (
                <span key={path}>
                  {index > 0 && ', '}
                  <code>{path}</code>
                </span>
              ))}{' '}
              {source.cleared.length === 1 ? 'is' : 'are'} left empty: give the new device its own.
            </p>
          </div>
        </div>
      )}
      {source.status === 'ready' && <NewDeviceForm key={`${from ?? ''} ${initialMac}`} initialText={source.text} initialMac={initialMac} />}
    </section>
  );
}

function NewDeviceForm({ initialText, initialMac }: { initialText: string; initialMac: string }) {
  const api = useApi();
  const toast = useToast();
  const navigate = useNavigate();
  const editorRef = useRef<JsonEditorHandle>(null);
  const [macInput, setMacInput] = useState(initialMac);
  const [text, setText] = useState(initialText);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  /** The MAC of the last attempt, which a RECORD_EXISTS error is about. */
  const [existing, setExisting] = useState<string | null>(null);
  const check = useMemo(() => checkConfigText(text), [text]);
  const mac = normaliseMac(macInput.trim());
  const dirty = macInput.trim() !== initialMac || text !== initialText;
  const { allowNextNavigation, guardDialog } = useUnsavedChangesGuard(dirty);
  const canSave = mac !== null && check.valid && !saving;

  const save = async () => {
    if (!canSave) return;
    setSaving(true);
    setError(null);
    try {
      setExisting(mac);
      await api.saveConfig(mac, text, { allowOverwrite: false });
      allowNextNavigation();
      toast('success', `Created ${mac}`);
      navigate(`/devices/${mac}`, { replace: true });
    } catch (caught) {
      setError(asApiError(caught));
      setSaving(false);
    }
  };
  useSaveShortcut(() => void save());

  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <div className="card form-card">
        <MacField label="MAC address" value={macInput} onChange={setMacInput} testId="mac-input" autoFocus />
      </div>

      {/* Shown only while the MAC is the one that exists: another MAC would make the alert and its link wrong. */}
      {error?.code === 'RECORD_EXISTS' && existing === mac && (
        <div className="alert alert-warning" role="alert" data-testid="exists-alert">
          <AlertIcon className="alert-icon" />
          <div className="alert-body">
            <p className="alert-title">A config for this MAC already exists.</p>
            <p>
              {error.message}. Nothing was overwritten and your text is still here.{' '}
              <Link to={`/devices/${mac}`} data-testid="open-existing">
                Open the existing config
              </Link>
            </p>
          </div>
        </div>
      )}
      {error && error.code !== 'RECORD_EXISTS' && <ErrorAlert error={error} title="The config was not saved" />}

      <ConfigEditorPanel initialText={initialText} check={check} dirty={dirty} onChange={setText} editorRef={editorRef} />

      <div className="action-bar">
        <button type="submit" className="btn btn-primary" disabled={!canSave} data-testid="save">
          <SaveIcon /> {saving ? 'Creating…' : 'Create device'}
        </button>
        <FormatJsonButton text={text} valid={check.valid} editorRef={editorRef} />
        <Link to="/devices" className="btn btn-ghost" data-testid="cancel">
          Cancel
        </Link>
        <span className="kbd-hint muted">
          <kbd>Ctrl</kbd>+<kbd>S</kbd> saves
        </span>
      </div>
      {guardDialog}
    </form>
  );
}
