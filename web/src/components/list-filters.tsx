import { useEffect, type RefObject } from 'react';
import { OTA_FILTERS, type OtaFilter } from '../lib/device-list.js';

const OTA_LABELS: Record<OtaFilter, string> = { on: 'OTA on', off: 'OTA off', unset: 'OTA not set' };

/** The list's filter by OTA state; null shows every device. */
export function OtaFilterSelect({ value, onChange }: { value: OtaFilter | null; onChange: (ota: string | null) => void }) {
  return (
    <label className="status-filter">
      <span className="visually-hidden">Show devices by OTA</span>
      <select className="input" value={value ?? ''} onChange={(event) => onChange(event.target.value || null)} data-testid="ota-filter">
        <option value="">Any OTA</option>
        {OTA_FILTERS.map((state) => (
          <option key={state} value={state}>
            {OTA_LABELS[state]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** `/` focuses the search box, unless the person is typing somewhere. */
export function useSlashFocus(input: RefObject<HTMLInputElement | null>): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"], dialog')) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [input]);
}
