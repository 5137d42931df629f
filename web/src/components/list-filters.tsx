import { useEffect, type RefObject } from 'react';
import { OTA_FILTERS, type OtaFilter } from '../lib/device-list.js';

const OTA_LABELS: Record<OtaFilter, string> = { on: 'OTA on', off: 'OTA off', unset: 'OTA not set' };

/** One of the list's filters: a select whose first option (null) shows every device. */
export function FilterSelect({
  label,
  anyLabel,
  options,
  value,
  onChange,
  testId,
}: {
  label: string;
  anyLabel: string;
  options: readonly (readonly [string, string])[];
  value: string | null;
  onChange: (value: string | null) => void;
  testId: string;
}) {
  return (
    <label className="status-filter">
      <span className="visually-hidden">{label}</span>
      <select className="input" value={value ?? ''} onChange={(event) => onChange(event.target.value || null)} data-testid={testId}>
        <option value="">{anyLabel}</option>
        {options.map(([option, text]) => (
          <option key={option} value={option}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The list's filter by OTA state; null shows every device. */
export function OtaFilterSelect({ value, onChange }: { value: OtaFilter | null; onChange: (ota: string | null) => void }) {
  return (
    <FilterSelect label="Show devices by OTA" anyLabel="Any OTA" options={OTA_FILTERS.map((state) => [state, OTA_LABELS[state]] as const)} value={value} onChange={onChange} testId="ota-filter" />
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
