import { useRef, useState } from 'react';
import { asApiError, type ApiError } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { ErrorAlert } from './error-alert.js';
import { ImportDialog } from './import-dialog.js';
import { saveAs } from '../lib/save-as.js';
import { useToast } from './toast.js';
import './transfer.css';

/** The Export and Import buttons of the device list; `onImported` is told after an import wrote. */
export function TransferActions({ onImported }: { onImported: () => void }) {
  const api = useApi();
  const toast = useToast();
  const picker = useRef<HTMLInputElement>(null);
  const [archive, setArchive] = useState<File | null>(null);
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const exportAll = async () => {
    setExporting(true);
    setError(null);
    try {
      const { blob, fileName } = await api.exportArchive();
      saveAs(blob, fileName);
      toast('success', `Exported ${fileName}`);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <button type="button" className="btn btn-secondary" disabled={exporting} onClick={() => void exportAll()} data-testid="export-configs">
        {exporting ? 'Exporting…' : 'Export'}
      </button>
      <button type="button" className="btn btn-secondary" onClick={() => picker.current?.click()} data-testid="import-configs">
        Import
      </button>
      <input
        ref={picker}
        type="file"
        accept=".tar.gz,.tgz,.tar,.zip,application/gzip,application/x-tar,application/zip"
        hidden
        onChange={(event) => {
          setArchive(event.target.files?.[0] ?? null);
          event.target.value = '';
        }}
        data-testid="import-file"
      />
      {error && <ErrorAlert error={error} title="The export failed" />}
      {archive && <ImportDialog archive={archive} onClose={() => setArchive(null)} onImported={onImported} />}
    </>
  );
}
