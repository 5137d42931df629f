import { useState } from 'react';
import { MAX_EXPORT_MACS } from '../../../src/transfer/archive-layout.js';
import { asApiError } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { saveAs } from '../lib/save-as.js';
import { DownloadIcon } from './icons.js';
import { useToast } from './toast.js';

/** Downloads the export of the selected devices only; over the service's cap it says to export everything. */
export function BulkExportButton({ macs }: { macs: readonly string[] }) {
  const api = useApi();
  const toast = useToast();
  const [exporting, setExporting] = useState(false);
  const tooMany = macs.length > MAX_EXPORT_MACS;

  const exportSelected = async () => {
    setExporting(true);
    try {
      const { blob, fileName } = await api.exportArchive(macs);
      saveAs(blob, fileName);
      toast('success', `Exported ${macs.length} device${macs.length === 1 ? '' : 's'} to ${fileName}`);
    } catch (caught) {
      toast('error', `The export failed: ${asApiError(caught).message}`);
    } finally {
      setExporting(false);
    }
  };

  return (
    <button
      type="button"
      className="btn btn-secondary btn-sm"
      disabled={exporting || tooMany}
      title={tooMany ? `An export of a selection takes at most ${MAX_EXPORT_MACS} devices; use Export above for all of them` : 'Download a .tar.gz of the selected configs'}
      onClick={() => void exportSelected()}
      data-testid="bulk-export"
    >
      <DownloadIcon /> {exporting ? 'Exporting…' : 'Export'}
    </button>
  );
}
