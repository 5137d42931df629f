import { SYNC_LABELS, SYNC_ORDER } from '../lib/sync-status.js';
import { FilterSelect } from './list-filters.js';

/** The device list's filter by sync state ("show pending"); null shows every state. */
export function SyncStatusFilter({ value, onChange }: { value: string | null; onChange: (status: string | null) => void }) {
  return (
    <FilterSelect label="Show devices by status" anyLabel="All statuses" options={SYNC_ORDER.map((state) => [state, SYNC_LABELS[state]] as const)} value={value} onChange={onChange} testId="status-filter" />
  );
}
