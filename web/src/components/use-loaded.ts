import { useCallback, useEffect, useState } from 'react';
import { asApiError, type ApiError, type ApiClient } from '../api/client.js';
import { useApi } from '../api/api-context.js';

export type Loaded<T> = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; value: T };

/** What `load` answers, loaded when the page opens; the function reloads it (a retry). `load` must be stable. */
export function useLoaded<T>(load: (api: ApiClient) => Promise<T>): [Loaded<T>, () => void] {
  const api = useApi();
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const reload = useCallback(async () => {
    setState({ status: 'loading' });
    try {
      setState({ status: 'ready', value: await load(api) });
    } catch (error) {
      setState({ status: 'error', error: asApiError(error) });
    }
  }, [api, load]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return [state, () => void reload()];
}
