import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { Duplicate, SummaryProblem } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { AlertIcon } from './icons.js';

/** The problem of one summary key, if the config holds it with the wrong type. */
export function problemOf(problems: readonly SummaryProblem[] | undefined, key: 'deviceName' | 'deviceEntityId' | 'enableOTA'): SummaryProblem | undefined {
  return problems?.find((problem) => problem.key === key);
}

/** What a wrongly typed value is, in words: `yes: not a boolean`, `42: not a string`. */
export function wrongTypeText(problem: SummaryProblem): string {
  const shown = typeof problem.value === 'string' ? problem.value : JSON.stringify(problem.value);
  return `${shown}: not a ${problem.expected}`;
}

/** A summary value present with the wrong type: said as such, never shown as missing. */
export function WrongTypeBadge({ problem }: { problem: SummaryProblem }) {
  return (
    <span className="badge badge-warning badge-wrap" title={`${problem.key} holds ${wrongTypeText(problem)}`} data-testid="wrong-type" data-key={problem.key}>
      <AlertIcon /> <bdi>{wrongTypeText(problem)}</bdi>
    </span>
  );
}

/** In the list: the unique values this device shares with others. */
export function DuplicateBadge({ duplicates }: { duplicates: readonly Duplicate[] | undefined }) {
  if (!duplicates?.length) return null;
  const paths = duplicates.map((duplicate) => duplicate.path).join(', ');
  const others = new Set(duplicates.flatMap((duplicate) => duplicate.mac_addresses)).size - 1;
  return (
    <span className="badge badge-warning badge-wrap" title={`Shared with ${others} other ${others === 1 ? 'device' : 'devices'}: ${paths}`} data-testid="duplicate-badge">
      <AlertIcon /> Not unique: {paths}
    </span>
  );
}

/**
 * On a device's page: each unique value it shares, with links to the devices that share it. Asked again for each
 * stored version (`etag`), so a fix saved here clears it.
 */
export function DuplicatesAlert({ mac, etag }: { mac: string; etag: string | null }) {
  const api = useApi();
  const [duplicates, setDuplicates] = useState<Duplicate[]>([]);
  useEffect(() => {
    let live = true;
    api.fleetChecks().then(
      (checks) => live && setDuplicates(checks.duplicates.filter((duplicate) => duplicate.mac_addresses.includes(mac))),
      // The checks are advice: without them the page works as before.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, mac, etag]);
  if (duplicates.length === 0) return null;
  return (
    <div className="alert alert-warning" role="status" data-testid="duplicates-alert">
      <AlertIcon className="alert-icon" />
      <div className="alert-body">
        <p className="alert-title">Values that should be unique are shared with other devices</p>
        <ul className="skipped-list">
          {duplicates.map((duplicate) => (
            <li key={duplicate.path} data-testid="duplicate-item">
              <code>{duplicate.path}</code> = <bdi className="mono">{JSON.stringify(duplicate.value)}</bdi> is also on{' '}
              {duplicate.mac_addresses
                .filter((other) => other !== mac)
                .map((other, index) => (
                  <span key={other}>
                    {index > 0 && ', '}
                    <Link to={`/devices/${other}`} className="mono">
                      {other}
                    </Link>
                  </span>
                ))}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
