import { Link } from 'react-router-dom';
import type { ConfigSummary } from '../api/client.js';
import { DuplicateBadge, problemOf, WrongTypeBadge } from './fleet-facts.js';
import { CopyIcon, EditIcon, TrashIcon } from './icons.js';
import { OtaBadge } from './ota-badge.js';
import { SchemaBadge } from './schema-badge.js';
import { SyncStatusBadge } from './sync-status-badge.js';

/** A value found by the fleet-wide search, shown under the device's name. */
export interface RowMatch {
  path: string;
  value: string;
}

/**
 * One device of the list. The MAC link is stretched over the whole row (and the whole card on a phone), so a click
 * anywhere opens the device, while screen readers still meet one link; the checkbox and the actions sit above it.
 */
export function DeviceRow({
  config,
  selected,
  onSelect,
  match,
  onDelete,
}: {
  config: ConfigSummary;
  selected: boolean;
  /** `range`: shift was held, to select every row from the last one clicked. */
  onSelect: (mac: string, selected: boolean, range: boolean) => void;
  match: RowMatch | undefined;
  onDelete: (config: ConfigSummary) => void;
}) {
  const mac = config.mac_address;
  const problems = config.summary_problems;
  const nameProblem = problemOf(problems, 'deviceName');
  const entityProblem = problemOf(problems, 'deviceEntityId');
  return (
    <tr data-testid="device-row" data-mac={mac} className={selected ? 'is-selected' : undefined}>
      <td className="select-cell">
        <label className="row-check">
          <input
            type="checkbox"
            checked={selected}
            onChange={() => undefined}
            onClick={(event) => onSelect(mac, event.currentTarget.checked, event.shiftKey)}
            data-testid="select-device"
          />
          <span className="visually-hidden">Select {mac}</span>
        </label>
      </td>
      <td data-label="MAC address">
        <Link to={`/devices/${mac}`} className="mac-link row-link mono" data-testid="device-mac">
          {mac}
        </Link>
      </td>
      <td data-label="Device name" data-testid="device-name">
        {config.device_name || (nameProblem ? <WrongTypeBadge problem={nameProblem} /> : <span className="muted">—</span>)}
        <SchemaBadge validation={config.validation} />
        {match && (
          <span className="row-match" data-testid="row-match">
            <span className="mono">{match.path}</span>: <bdi>{match.value}</bdi>
          </span>
        )}
      </td>
      <td data-label="Entity ID" data-testid="device-entity-id">
        {config.device_entity_id ? (
          <span className="mono">{config.device_entity_id}</span>
        ) : entityProblem ? (
          <WrongTypeBadge problem={entityProblem} />
        ) : (
          <span className="muted">—</span>
        )}
        <DuplicateBadge duplicates={config.duplicates} />
      </td>
      <td data-label="OTA">
        <OtaBadge value={config.enable_ota} problem={problemOf(problems, 'enableOTA')} />
      </td>
      <td data-label="Status">
        <SyncStatusBadge fetch={config.fetch} />
      </td>
      <td className="actions-cell">
        <div className="row-actions">
          <Link to={`/devices/${mac}`} className="btn btn-ghost btn-icon" aria-label={`Edit ${mac}`} title="Edit" data-testid="edit-device">
            <EditIcon />
          </Link>
          <Link to={`/devices/new?from=${mac}`} className="btn btn-ghost btn-icon" aria-label={`Duplicate ${mac}`} title="Duplicate" data-testid="duplicate-device">
            <CopyIcon />
          </Link>
          <button
            type="button"
            className="btn btn-ghost btn-icon btn-icon-danger"
            aria-label={`Delete ${mac}`}
            title="Delete"
            onClick={() => onDelete(config)}
            data-testid="delete-device"
          >
            <TrashIcon />
          </button>
        </div>
      </td>
    </tr>
  );
}
