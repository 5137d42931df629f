import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router-dom';
import { asApiError, type ApiError, type ConfigResponse, type Tagged } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { ConfigEditorPanel } from '../components/config-editor-panel.js';
import { DeleteDialog } from '../components/delete-dialog.js';
import { DeviceSyncStatus } from '../components/device-sync-status.js';
import { DiffView } from '../components/diff-view.js';
import { ErrorAlert } from '../components/error-alert.js';
import { AlertIcon, CopyIcon, RenameIcon, SaveIcon, TrashIcon } from '../components/icons.js';
import type { JsonEditorHandle } from '../components/json-editor.js';
import { LoadingPlaceholder } from '../components/loading-placeholder.js';
import { PageHeading } from '../components/page-heading.js';
import { RenameDialog } from '../components/rename-dialog.js';
import { useToast } from '../components/toast.js';
import { useDocumentTitle } from '../components/use-document-title.js';
import { useUnsavedChangesGuard } from '../components/unsaved-changes-guard.js';
import { useSaveShortcut } from '../components/use-save-shortcut.js';
import { checkConfigText, normaliseMac, storedContentText, summarizeConfig } from '../lib/config-text.js';
import { FormatJsonButton } from '../components/format-json-button.js';
import { SchemaProblems } from '../components/schema-problems.js';
import { useSchemaEditor } from '../components/use-schema-editor.js';
import { HistoryPanel } from '../components/history-panel.js';
import { loadMergeBase, MergePanel } from '../components/merge-panel.js';
import { useUndoSave } from '../components/use-undo-save.js';
import { ReviewSaveDialog, ReviewToggle, useSaveReview } from '../components/review-save.js';
import { DuplicatesAlert } from '../components/fleet-facts.js';
import { hasConflictMarkers } from '../lib/three-way-merge.js';

/** A config as loaded for editing. `problem`: why the stored file cannot be used (then `text` is its raw text, if it was read), or null. */
interface Loaded {
  text: string;
  etag: string | null;
  problem: string | null;
}

type PageState =
  | { status: 'loading' }
  | { status: 'missing'; error: ApiError }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; loaded: Loaded };

/** `/devices/:mac`: canonicalises the MAC in the URL, then edits that config. */
export function EditDeviceRoute() {
  const { mac = '' } = useParams();
  const canonical = normaliseMac(mac);
  if (canonical === null) return <InvalidMacPage text={mac} />;
  if (canonical !== mac) return <Navigate to={`/devices/${canonical}`} replace />;
  return <EditDevicePage key={canonical} mac={canonical} />;
}

/** How much of a path that is not a MAC is echoed back: enough to recognise it, never a screenful. */
const SHOWN_PATH_CHARS = 64;

function InvalidMacPage({ text }: { text: string }) {
  useDocumentTitle('Not a MAC address');
  const shown = text.length > SHOWN_PATH_CHARS ? `${text.slice(0, SHOWN_PATH_CHARS)}…` : text;
  return (
    <div className="empty-state card" data-testid="invalid-mac">
      <PageHeading>Not a MAC address</PageHeading>
      <p className="muted">
        <code className="wrap-anywhere" data-testid="invalid-mac-text">
          {shown}
        </code>{' '}
        is not a MAC address.
      </p>
      <Link className="btn btn-primary" to="/devices">
        Back to devices
      </Link>
    </div>
  );
}

function useLatestConfig(mac: string): () => Promise<Loaded> {
  const api = useApi();
  return useCallback(async () => {
    try {
      const { text, etag } = await api.getConfig(mac);
      return { text: storedContentText(text), etag, problem: null };
    } catch (caught) {
      const error = asApiError(caught);
      if (error.code === 'INVALID_STORED_CONFIG' && typeof error.details.raw === 'string') {
        return {
          text: error.details.raw,
          etag: typeof error.details.etag === 'string' ? error.details.etag : null,
          problem: typeof error.details.reason === 'string' ? error.details.reason : 'unusable',
        };
      }
      throw error;
    }
  }, [api, mac]);
}

function EditDevicePage({ mac }: { mac: string }) {
  const fetchLatest = useLatestConfig(mac);
  const [state, setState] = useState<PageState>({ status: 'loading' });

  const load = useCallback(() => {
    setState({ status: 'loading' });
    fetchLatest().then(
      (loaded) => setState({ status: 'ready', loaded }),
      (caught: unknown) => {
        const error = asApiError(caught);
        setState({ status: error.code === 'RECORD_NOT_FOUND' ? 'missing' : 'error', error });
      },
    );
  }, [fetchLatest]);

  useEffect(load, [load]);
  // Once ready, the editor titles the tab with the device's name.
  const titles = { loading: `Loading ${mac}`, missing: `No config for ${mac}`, error: `Not loaded: ${mac}` };
  useDocumentTitle(state.status === 'ready' ? null : titles[state.status]);

  return (
    <section className="stack" data-testid="edit-device-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/devices">Devices</Link> <span aria-hidden="true">/</span> <span className="mono">{mac}</span>
      </nav>
      {state.status === 'loading' && (
        <LoadingPlaceholder className="stack" label={`Loading the config of ${mac}`} testId="editor-loading">
          <div className="skeleton skeleton-title" />
          <div className="card skeleton-block" />
        </LoadingPlaceholder>
      )}
      {state.status === 'missing' && (
        <div className="empty-state card" data-testid="not-found">
          <PageHeading>No config for {mac}</PageHeading>
          <p className="muted">It may have been deleted or renamed.</p>
          <div className="row">
            <Link className="btn btn-secondary" to="/devices">
              Back to devices
            </Link>
            <Link className="btn btn-primary" to={`/devices/new?mac=${mac}`} data-testid="create-missing">
              Create a config
            </Link>
          </div>
        </div>
      )}
      {/* A deleted config keeps its history: its versions can be seen and brought back from here. */}
      {state.status === 'missing' && <HistoryPanel mac={mac} etag={null} currentText={null} restoreBlocked={null} onRestored={load} onStale={load} />}
      {state.status === 'error' && <ErrorAlert error={state.error} title={`The config of ${mac} could not be loaded`} onRetry={load} />}
      {state.status === 'ready' && <DeviceEditor mac={mac} initial={state.loaded} fetchLatest={fetchLatest} />}
    </section>
  );
}

interface Conflict {
  /** The ETag the service reported with the 412 (null: the config is gone). */
  currentEtag: string | null;
  /** The stored version, once fetched to show the difference ('deleted' if it is gone). */
  latest: Loaded | 'deleted' | null;
  layout: 'split' | 'unified';
  busy: boolean;
}

function DeviceEditor({ mac, initial, fetchLatest }: { mac: string; initial: Loaded; fetchLatest: () => Promise<Loaded> }) {
  const api = useApi();
  const toast = useToast();
  const navigate = useNavigate();
  const editorRef = useRef<JsonEditorHandle>(null);
  const [baseline, setBaseline] = useState(initial.text);
  const [text, setText] = useState(initial.text);
  // The editor's text right now, for code that runs after an await (a save's response).
  const latestText = useRef(initial.text);
  const onEdit = useCallback((next: string) => {
    latestText.current = next;
    setText(next);
  }, []);
  const [etag, setEtag] = useState(initial.etag);
  const [problem, setProblem] = useState(initial.problem);
  const [saving, setSaving] = useState(false);
  // What failed, and how to say it: a save, or loading the stored version to show or compare.
  const [error, setError] = useState<{ failure: ApiError; title: string; of: 'save' | 'load' } | null>(null);
  const saveFailed = (failure: ApiError) => setError({ failure, title: 'The config was not saved', of: 'save' });
  const loadFailed = (failure: ApiError) => setError({ failure, title: 'The stored version could not be loaded', of: 'load' });
  const [conflict, setConflict] = useState<Conflict | null>(null);
  // A refused save merged three ways: the version the editor was opened from, and the stored one now.
  const [merge, setMerge] = useState<{ base: string; theirs: Loaded } | null>(null);
  const [dialog, setDialog] = useState<'rename' | 'delete' | null>(null);
  const renameNoteId = useId();
  // For answers that arrive after the person left the page: nothing to show them on.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const check = useMemo(() => checkConfigText(text), [text]);
  const schemaEditor = useSchemaEditor(mac);
  const dirty = text !== baseline;
  // Edits undone back to the stored text leave nothing unsaved, so a failed save of them is no longer true.
  const [wasDirty, setWasDirty] = useState(dirty);
  if (wasDirty !== dirty) {
    setWasDirty(dirty);
    if (!dirty && error?.of === 'save') setError(null);
  }
  const { allowNextNavigation, guardDialog } = useUnsavedChangesGuard(dirty);
  // During a conflict the panel's buttons decide: a plain save would send the stale ETag again and only fail again.
  const canSave = check.valid && dirty && !saving && conflict === null && merge === null && schemaEditor.result?.valid !== false;
  // The title shows the stored name, so it does not flicker while typing.
  const stored = useMemo(() => {
    const parsed = checkConfigText(baseline);
    return parsed.valid ? summarizeConfig(mac, parsed.content) : null;
  }, [baseline, mac]);
  useDocumentTitle(stored?.device_name || mac);

  const showStored = (loaded: Loaded) => {
    setBaseline(loaded.text);
    onEdit(loaded.text);
    editorRef.current?.setText(loaded.text);
    setEtag(loaded.etag);
    setProblem(loaded.problem);
    setConflict(null);
    setMerge(null);
  };

  /**
   * Shows what was stored. If the person typed on while the save was in
   * flight, their newer text stays in the editor (and counts as unsaved).
   */
  const applySaved = (saved: Tagged<ConfigResponse>, sentText: string) => {
    const stored: Loaded = { text: storedContentText(saved.text), etag: saved.etag, problem: null };
    if (latestText.current === sentText) {
      showStored(stored);
      return;
    }
    setBaseline(stored.text);
    setEtag(stored.etag);
    setProblem(null);
    setConflict(null);
    setMerge(null);
  };
  const undoSave = useUndoSave(mac, applySaved, (failure) => onStale(failure));
  const afterRestore = (restored: Tagged<ConfigResponse>, version: number) => {
    showStored({ text: storedContentText(restored.text), etag: restored.etag, problem: null });
    toast('success', `Restored version ${version} of ${mac}`);
  };

  /** Opens the three-way merge of a refused save; false when the opened version is not in the history. */
  const startMerge = async (openedEtag: string, mine: string): Promise<boolean> => {
    try {
      const [base, theirs] = await Promise.all([loadMergeBase(api, mac, openedEtag), fetchLatest()]);
      if (base === null || theirs.problem !== null || !mounted.current) return false;
      // The diff is of the text now in the editor, so typing on while the answers came stays in the merge.
      if (latestText.current !== mine) return false;
      setMerge({ base, theirs });
      return true;
    } catch {
      return false;
    }
  };
  /** Takes a merged text into the editor, on top of the stored version (whose ETag the next save sends). */
  const adoptMerged = (merged: string) => {
    if (!merge) return null;
    const { theirs } = merge;
    setBaseline(theirs.text);
    setEtag(theirs.etag);
    onEdit(merged);
    editorRef.current?.setText(merged);
    setMerge(null);
    return theirs.etag;
  };

  /** Someone else changed (current ETag) or deleted (null) the config since it was loaded here. */
  const startConflict = (currentEtag: string | null, latest: Conflict['latest'] = null) => {
    const narrow = window.matchMedia('(max-width: 720px)').matches;
    setConflict({ currentEtag, latest, layout: narrow ? 'unified' : 'split', busy: false });
  };
  const currentEtagOf = (failure: ApiError) => (typeof failure.details.current_etag === 'string' ? failure.details.current_etag : null);

  /**
   * A rename or delete refused with 412. Without edits of one's own the stored version is simply shown;
   * with edits, the conflict panel lets the person compare and choose, as after a refused save.
   */
  const onStale = (failure: ApiError) => {
    setDialog(null);
    const textBefore = latestText.current;
    if (textBefore !== baseline) {
      startConflict(currentEtagOf(failure));
      return;
    }
    fetchLatest().then(
      (latest) => {
        if (!mounted.current) return;
        // Typed while it loaded: that text is not replaced, it meets the stored version in the conflict panel.
        if (latestText.current !== textBefore) startConflict(latest.etag, latest);
        else showStored(latest);
        toast('error', 'Nothing was done: this config changed since you opened it. Its stored version is shown now.');
      },
      (caught: unknown) => {
        if (!mounted.current) return;
        const reloadFailure = asApiError(caught);
        if (reloadFailure.code === 'RECORD_NOT_FOUND') startConflict(null, 'deleted');
        else loadFailed(reloadFailure);
      },
    );
  };

  /** Saving again a config deleted meanwhile found it created anew by someone: now a change to compare with. */
  const conflictWithRecreated = async () => {
    try {
      const latest = await fetchLatest();
      startConflict(latest.etag, latest);
    } catch (caught) {
      loadFailed(asApiError(caught));
    }
  };

  /** Saves with If-Match; `recreate` stores the config again after someone deleted it (create-only). */
  const save = async (ifMatch: string | null = etag, recreate = false, sentText = text, validate = true) => {
    if (!checkConfigText(sentText).valid) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await api.saveConfig(mac, sentText, recreate ? { allowOverwrite: false, validate } : { ifMatch, validate });
      applySaved(saved, sentText);
      const savedEtag = saved.etag;
      toast('success', `Saved ${mac}`, savedEtag ? { label: 'Undo', run: () => void undoSave(savedEtag, sentText) } : undefined);
    } catch (caught) {
      const failure = asApiError(caught);
      if (failure.code === 'PRECONDITION_FAILED') {
        const merged = !recreate && ifMatch !== null && ifMatch === etag && currentEtagOf(failure) !== null && (await startMerge(ifMatch, sentText));
        if (!merged) startConflict(currentEtagOf(failure));
      }
      else if (recreate && failure.code === 'RECORD_EXISTS') await conflictWithRecreated();
      else saveFailed(failure);
    } finally {
      setSaving(false);
    }
  };
  const saveReview = useSaveReview();
  const reviewAndSave = () => saveReview.request(() => void save());
  useSaveShortcut(() => {
    if (canSave) reviewAndSave();
  });
  /** Back to the stored version (the editor's undo can bring the edits back). */
  const discard = () => {
    editorRef.current?.setText(baseline);
    setError(null);
  };

  const fetchConflictVersion = async (): Promise<Loaded | 'deleted' | null> => {
    if (!conflict) return null;
    if (conflict.latest) return conflict.latest;
    setConflict({ ...conflict, busy: true });
    try {
      const latest = await fetchLatest();
      setConflict({ ...conflict, latest, busy: false });
      return latest;
    } catch (caught) {
      const failure = asApiError(caught);
      if (failure.code === 'RECORD_NOT_FOUND') {
        setConflict({ ...conflict, latest: 'deleted', busy: false });
        return 'deleted';
      }
      setConflict({ ...conflict, busy: false });
      loadFailed(failure);
      return null;
    }
  };

  const overwrite = async () => {
    if (!conflict) return;
    const latest = conflict.latest;
    if (latest === 'deleted' || (latest === null && conflict.currentEtag === null)) await save(null, true);
    else await save(latest?.etag ?? conflict.currentEtag);
  };

  const reloadLatest = async () => {
    const latest = await fetchConflictVersion();
    if (latest === 'deleted') {
      setError(null);
      return;
    }
    if (latest) {
      showStored(latest);
      toast('success', 'Loaded the latest stored version');
    }
  };

  const deleted = conflict !== null && (conflict.latest === 'deleted' || conflict.currentEtag === null);

  return (
    <>
      <div className="page-header editor-header">
        <div className="title-block">
          <PageHeading testId="editor-title">{stored?.device_name || mac}</PageHeading>
          <p className="muted" data-testid="editor-subtitle">
            {/* A config without a name is headed by its MAC: the line under it says so rather than repeat the MAC. A
                config whose name is unknown (a stored file that is not a config) keeps its MAC here. */}
            {stored === null || stored.device_name ? (
              <span className="mono" data-testid="editor-mac">
                {mac}
              </span>
            ) : (
              'No device name'
            )}
            {stored?.device_entity_id && (
              <>
                {' '}
                · <bdi className="mono">{stored.device_entity_id}</bdi>
              </>
            )}
          </p>
          {etag !== null && <DeviceSyncStatus mac={mac} etag={etag} />}
        </div>
        <div className="header-actions">
          <div className="header-buttons">
            <Link to={`/devices/new?from=${mac}`} className="btn btn-secondary" data-testid="duplicate">
              <CopyIcon /> Duplicate
            </Link>
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => setDialog('rename')}
              disabled={dirty}
              aria-describedby={dirty ? renameNoteId : undefined}
              data-testid="rename"
            >
              <RenameIcon /> Rename
            </button>
            <button type="button" className="btn btn-danger-outline" onClick={() => setDialog('delete')} data-testid="delete">
              <TrashIcon /> Delete
            </button>
          </div>
          {/* Said in words, not in a title tooltip, which touch and keyboard users never see. Its room is kept while
              it is hidden, so that showing it at the first edit moves nothing on the page (see .header-note). */}
          <p id={renameNoteId} className={`header-note muted${dirty ? '' : ' is-idle'}`} data-testid="rename-note">
            Save or discard your changes to rename.
          </p>
        </div>
      </div>

      {problem !== null && (
        <div className="alert alert-warning" role="status" data-testid="repair-notice">
          <AlertIcon className="alert-icon" />
          <div className="alert-body">
            <p className="alert-title">The stored file is not a usable config</p>
            <p>
              {problem.charAt(0).toUpperCase() + problem.slice(1)}. Devices cannot load it.{' '}
              {baseline === '' ? 'Write its config in the editor and save to replace it.' : 'Its raw text is in the editor: fix it and save.'}
            </p>
          </div>
        </div>
      )}

      <DuplicatesAlert mac={mac} etag={etag} />

      {merge && (
        <MergePanel
          base={merge.base}
          theirs={merge.theirs.text}
          mine={text}
          saving={saving}
          onSave={(merged) => void save(adoptMerged(merged), false, merged)}
          onEditByHand={(merged) => {
            adoptMerged(merged);
            toast(
              'success',
              hasConflictMarkers(merged)
                ? 'The merged text is in the editor: settle each conflict between the <<<<<<< and >>>>>>> lines, remove the markers, then save.'
                : 'The merged text is in the editor: check it, then save.',
            );
          }}
          onCompareTwoWays={() => {
            setMerge(null);
            startConflict(merge.theirs.etag, merge.theirs);
          }}
        />
      )}

      {conflict && (
        <div className="alert alert-warning conflict" role="alert" data-testid="conflict-panel">
          <AlertIcon className="alert-icon" />
          <div className="alert-body">
            <p className="alert-title">
              {deleted ? 'This config was deleted since you opened it.' : 'This config was changed since you opened it.'}
            </p>
            <p>
              {deleted
                ? 'Your text is not saved. Save it again to create the config anew, or leave this page to let it go.'
                : 'Your changes are not saved yet. Compare them with the stored version, then keep yours or load the stored one.'}
            </p>
            <div className="row">
              {!deleted && conflict.latest === null && (
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  disabled={conflict.busy}
                  onClick={() => void fetchConflictVersion()}
                  data-testid="show-diff"
                >
                  Show the difference
                </button>
              )}
              <button type="button" className="btn btn-primary btn-sm" disabled={saving || conflict.busy} onClick={() => void overwrite()} data-testid="overwrite">
                {deleted ? 'Save mine again' : 'Overwrite with mine'}
              </button>
              {!deleted && (
                <button
                  type="button"
                  className="btn btn-secondary btn-sm"
                  disabled={conflict.busy}
                  onClick={() => void reloadLatest()}
                  data-testid="reload-latest"
                >
                  Discard mine, load stored
                </button>
              )}
            </div>
          </div>
        </div>
      )}

      {conflict?.latest && conflict.latest !== 'deleted' && (
        <div className="card diff-card">
          <div className="diff-toolbar">
            <h2 className="summary-title">Stored version vs yours</h2>
            <div className="segmented" role="group" aria-label="Difference layout">
              {(['split', 'unified'] as const).map((layout) => (
                <button
                  key={layout}
                  type="button"
                  aria-pressed={conflict.layout === layout}
                  onClick={() => setConflict({ ...conflict, layout })}
                  data-testid={`diff-layout-${layout}`}
                >
                  {layout === 'split' ? 'Side by side' : 'Unified'}
                </button>
              ))}
            </div>
          </div>
          <DiffView stored={conflict.latest.text} mine={text} layout={conflict.layout} />
        </div>
      )}

      {error && <ErrorAlert error={error.failure} title={error.title} />}
      <SchemaProblems
        result={schemaEditor.result}
        saveAnywayDisabled={!check.valid || !dirty || saving || conflict !== null || merge !== null}
        onSaveAnyway={() => void save(etag, false, text, false)}
      />

      <div className="action-bar">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!canSave}
          title={conflict ? 'Choose above what to keep first' : undefined}
          onClick={reviewAndSave}
          data-testid="save"
        >
          <SaveIcon /> {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="btn btn-secondary" disabled={!dirty || saving} onClick={discard} data-testid="discard-edits">
          Discard
        </button>
        <FormatJsonButton text={text} valid={check.valid} editorRef={editorRef} />
        <Link to="/devices" className="btn btn-ghost" data-testid="cancel">
          Cancel
        </Link>
        <ReviewToggle review={saveReview.review} onChange={saveReview.setReview} />
        <span className="kbd-hint muted">
          <kbd>Ctrl</kbd>+<kbd>S</kbd> saves
        </span>
      </div>

      <ConfigEditorPanel initialText={initial.text} check={check} dirty={dirty} onChange={onEdit} editorRef={editorRef} extensions={schemaEditor.extensions}
        form={schemaEditor.schema && { schema: schemaEditor.schema.schema, validation: schemaEditor.result, text, onText: (next) => editorRef.current?.setText(next) }}
      />

      <HistoryPanel
        mac={mac}
        etag={etag}
        currentText={baseline}
        restoreBlocked={dirty ? 'Save or discard your changes to restore.' : null}
        onRestored={afterRestore}
        onStale={onStale}
        refreshKey={merge ?? conflict?.currentEtag}
      />


      {dialog === 'delete' && (
        <DeleteDialog
          mac={mac}
          deviceName={stored?.device_name ?? null}
          etag={etag}
          onClose={() => setDialog(null)}
          onStale={onStale}
          onDeleted={() => {
            allowNextNavigation();
            toast('success', `Deleted ${mac}`);
            navigate('/devices');
          }}
        />
      )}
      {dialog === 'rename' && (
        <RenameDialog
          mac={mac}
          etag={etag}
          onClose={() => setDialog(null)}
          onStale={onStale}
          onRenamed={(renamed) => {
            allowNextNavigation();
            toast('success', `Renamed ${mac} to ${renamed.body.mac_address}`);
            navigate(`/devices/${renamed.body.mac_address}`, { replace: true });
          }}
        />
      )}
      {saveReview.pending && (
        <ReviewSaveDialog
          stored={baseline}
          mine={text}
          onClose={saveReview.close}
          onSkipFromNowOn={() => saveReview.setReview(false)}
          onSave={() => {
            saveReview.pending?.();
            saveReview.close();
          }}
        />
      )}
      {guardDialog}
    </>
  );
}
