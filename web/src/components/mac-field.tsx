import { useId } from 'react';
import { normaliseMac } from '../lib/config-text.js';

/** A MAC input that shows, as you type, the canonical form the config will be saved under. */
export function MacField({
  value,
  onChange,
  label,
  testId,
  autoFocus,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  testId: string;
  autoFocus?: boolean;
}) {
  const hintId = useId();
  const canonical = normaliseMac(value.trim());
  const showError = value.trim() !== '' && canonical === null;
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        className={`input input-mono${showError ? ' input-invalid' : ''}`}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder="aa-bb-cc-dd-ee-ff"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoFocus={autoFocus}
        aria-invalid={showError}
        aria-describedby={hintId}
        data-testid={testId}
      />
      <span id={hintId} className={showError ? 'field-error' : 'field-hint'} data-testid={`${testId}-hint`}>
        {canonical ? (
          <>
            Saved as <code data-testid={`${testId}-canonical`}>{canonical}</code>
          </>
        ) : showError ? (
          'Not a MAC address: expected 12 hex digits, e.g. AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff or aabbccddeeff'
        ) : (
          'Any case, with : or - separators or none'
        )}
      </span>
    </label>
  );
}
