import { useId } from 'react';
import { normaliseMac } from '../lib/config-text.js';

/**
 * How many hex digits of a MAC are typed so far, while the text can still
 * become a MAC (hex pairs and one kind of separator); null once it cannot.
 */
export function countHexDigitsSoFar(text: string): number | null {
  if (!/^[0-9a-f]*([-:]?[0-9a-f]*)*$/i.test(text) || (text.includes('-') && text.includes(':'))) return null;
  const groups = text.split(/[-:]/);
  const separated = groups.length > 1;
  // With separators every group but the last is a full pair; without, up to 12 digits.
  if (separated && groups.slice(0, -1).some((group) => group.length !== 2)) return null;
  if (separated && groups.at(-1)!.length > 2) return null;
  const digits = groups.join('').length;
  return digits < 12 ? digits : null;
}

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
  const digits = countHexDigitsSoFar(value.trim());
  // No error while what is typed can still become a MAC: only once it cannot.
  const showError = value.trim() !== '' && canonical === null && digits === null;
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
        ) : digits ? (
          `${digits} of 12 hex digits`
        ) : (
          'Any case, with : or - separators or none'
        )}
      </span>
    </label>
  );
}
