import { SYNC_LABELS, SYNC_ORDER } from '../lib/sync-status.js';

/** The device list's filter by sync state ("show pending"); null shows every state. */
export function SyncStatusFilter({ value, onChange }: { value: string | null; onChange: (status: string | null) => void }) {
  return (
    <label className="status-filter">
      <span className="visually-hidden">Show devices by status</span>
      <select className="input" value={value ?? ''} onChange={(event) => onChange(event.target.value || null)} data-testid="status-filter">
        <option value="">All statuses</option>
        {SYNC_ORDER.map((state) => (
          <option key={state} value={state}>
            {SYNC_LABELS[state]}
          </option>
        ))}
      </select>
    </label>
  );
}
