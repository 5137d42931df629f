import type { SummaryProblem } from '../api/client.js';
import { WrongTypeBadge } from './fleet-facts.js';
import { CheckIcon, MinusIcon, XIcon } from './icons.js';

/** OTA state with an icon and a word, never color alone; `problem`: enableOTA holds a value that is not a boolean. */
export function OtaBadge({ value, problem }: { value: boolean | null; problem?: SummaryProblem }) {
  if (value === null && problem) return <WrongTypeBadge problem={problem} />;
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
