import { useCallback, useEffect, useState } from 'react';
import { asApiError, type ApiError, type ConfigListResponse } from '../api/client.js';
import { useApi } from '../api/api-context.js';

/** `refreshError`: a refresh failed, and `list` is the last one loaded. */
export type ListState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'ready'; list: ConfigListResponse; refreshError?: ApiError };

/** How often the list refreshes itself while the page is visible. */
export const LIST_REFRESH_MS = 10_000;

/**
 * The device list, loaded once and refreshed quietly every LIST_REFRESH_MS while the tab is visible (and at once when
 * it becomes visible again), so changes made elsewhere show up without a reload. A quiet refresh keeps the rows on
 * screen, so the selection and the scroll position stay.
 */
export function useDeviceList() {
  const api = useApi();
  const [state, setState] = useState<ListState>({ status: 'loading' });

  const load = useCallback(
    async (quiet = false) => {
      if (!quiet) setState({ status: 'loading' });
      try {
        const list = await api.listConfigs();
        setState({ status: 'ready', list });
      } catch (error) {
        const failure = asApiError(error);
        // A failed refresh in the background keeps the list it had: it is still the best there is.
        setState((current) => (quiet && current.status === 'ready' ? { ...current, refreshError: failure } : { status: 'error', error: failure }));
      }
    },
    [api],
  );

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    const refresh = () => {
      if (document.visibilityState === 'visible') void load(true);
    };
    const timer = setInterval(refresh, LIST_REFRESH_MS);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', refresh);
    };
  }, [load]);

  return { state, setState, load };
}
