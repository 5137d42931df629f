import type { DeviceFetch } from '../lib/sync-status.js';
import { SYNC_LABELS, syncStateOf, syncTooltip } from '../lib/sync-status.js';
import { AlertIcon, CheckIcon, MinusIcon, RefreshIcon } from './icons.js';

const ICONS = { in_sync: CheckIcon, pending: RefreshIcon, never_fetched: MinusIcon, silent: AlertIcon } as const;

/** Whether the device holds its current config, with an icon and a word (never color alone) and the last fetch as a tooltip. */
export function SyncStatusBadge({ fetch, testId = 'sync-status' }: { fetch: DeviceFetch | undefined; testId?: string }) {
  const state = syncStateOf(fetch);
  const Icon = ICONS[state];
  const tooltip = syncTooltip(fetch);
  return (
    <span className={`badge badge-sync-${state}`} title={tooltip} data-testid={testId} data-state={state}>
      <Icon /> {SYNC_LABELS[state]}
      <span className="visually-hidden">: {tooltip}</span>
    </span>
  );
}
