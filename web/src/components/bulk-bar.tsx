import { useState } from 'react';
import { BulkChangeDialog } from './bulk-change-dialog.js';
import { BulkDeleteDialog } from './bulk-delete-dialog.js';
import { BulkExportButton } from './bulk-export-button.js';
import { EditIcon, TrashIcon, XIcon } from './icons.js';

/** The actions on the devices ticked in the list; shown while at least one is. */
export function BulkBar({
  selected,
  onClear,
  onChanged,
  onDeleted,
}: {
  selected: readonly string[];
  onClear: () => void;
  /** A bulk change wrote: the list reloads. */
  onChanged: () => void;
  onDeleted: (macs: string[]) => void;
}) {
  const [dialog, setDialog] = useState<{ kind: 'change' | 'delete'; macs: readonly string[] } | null>(null);
  if (selected.length === 0 && dialog === null) return null;
  return (
    <>
      {selected.length > 0 && (
        <div className="bulk-bar" role="region" aria-label="Selected devices" data-testid="bulk-bar">
          <p className="bulk-count" data-testid="selected-count" aria-live="polite">
            {selected.length} selected
          </p>
          <button type="button" className="btn btn-primary btn-sm" onClick={() => setDialog({ kind: 'change', macs: selected })} data-testid="bulk-change">
            <EditIcon /> Change…
          </button>
          <BulkExportButton macs={selected} />
          <button type="button" className="btn btn-danger-outline btn-sm" onClick={() => setDialog({ kind: 'delete', macs: selected })} data-testid="bulk-delete">
            <TrashIcon /> Delete…
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClear} data-testid="clear-selection">
            <XIcon /> Clear selection
          </button>
        </div>
      )}
      {dialog?.kind === 'change' && <BulkChangeDialog macs={dialog.macs} onClose={() => setDialog(null)} onApplied={onChanged} />}
      {dialog?.kind === 'delete' && <BulkDeleteDialog macs={dialog.macs} onClose={() => setDialog(null)} onDeleted={onDeleted} />}
    </>
  );
}
