import { CheckIcon, MinusIcon, XIcon } from './icons.js';

/** OTA state with an icon and a word, never color alone. */
export function OtaBadge({ value }: { value: boolean | null }) {
  if (value === true) {
    return (
      <span className="badge badge-on" data-testid="ota-badge" data-ota="on">
        <CheckIcon /> On
      </span>
    );
  }
  if (value === false) {
    return (
      <span className="badge badge-off" data-testid="ota-badge" data-ota="off">
        <XIcon /> Off
      </span>
    );
  }
  return (
    <span className="badge badge-unset" data-testid="ota-badge" data-ota="unset">
      <MinusIcon /> Not set
    </span>
  );
}
