import { useEffect, useState } from 'react';
import { useApi } from '../api/api-context.js';
import type { DeviceFetch } from '../lib/sync-status.js';
import { relativeTime } from '../lib/sync-status.js';
import { SyncStatusBadge } from './sync-status-badge.js';

/** While the device has not fetched the current config, it is asked about this often: the admin is watching. */
const PENDING_POLL_MS = 3_000;
/** Otherwise, this often, so that a device turning silent (or one fetching) shows without a reload. */
const IDLE_POLL_MS = 30_000;

/**
 * The device page's live sync status: read again at once when the config's
 * ETag changes (a save), then every few seconds while pending, so the admin
 * sees "Pending" turn into "In sync" when the device fetches.
 */
export function DeviceSyncStatus({ mac, etag }: { mac: string; etag: string | null }) {
  const api = useApi();
  const [fetch, setFetch] = useState<DeviceFetch | undefined>(undefined);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const look = async () => {
      let state: DeviceFetch['state'] | undefined;
      try {
        const { body } = await api.getConfig(mac);
        if (!live) return;
        setFetch(body.fetch);
        setLoaded(true);
        state = body.fetch?.state;
      } catch {
        // The page shows the config's own errors; the status keeps what it last knew and is asked again.
      }
      if (live) timer = window.setTimeout(() => void look(), state === 'pending' ? PENDING_POLL_MS : IDLE_POLL_MS);
    };
    void look();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, mac, etag]);

  if (!loaded) return null;
  return (
    <p className="sync-status-line muted" data-testid="device-sync" aria-live="polite">
      <SyncStatusBadge fetch={fetch} testId="device-sync-status" />
      {fetch?.last_fetch_at && (
        <span data-testid="device-sync-detail">
          Last fetch {relativeTime(fetch.last_fetch_at)}
          {fetch.client ? ` from ${fetch.client}` : ''}
          {fetch.count ? ` · ${fetch.count} ${fetch.count === 1 ? 'fetch' : 'fetches'}` : ''}
        </span>
      )}
    </p>
  );
}
