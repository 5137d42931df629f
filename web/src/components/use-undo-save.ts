import { useCallback, useEffect, useRef } from 'react';
import { asApiError, type ApiError, type ConfigResponse, type Tagged } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { undoTarget } from '../lib/history-labels.js';
import { useToast } from './toast.js';

/**
 * Undo for the toast after a save: restores the newest version before the one the save wrote, with If-Match on the
 * ETag the save got, so a change made by someone since is not undone blindly (that 412 goes to `onStale`).
 */
export function useUndoSave(
  mac: string,
  onRestored: (restored: Tagged<ConfigResponse>, savedText: string) => void,
  onStale: (failure: ApiError) => void,
): (savedEtag: string, savedText: string) => Promise<void> {
  const api = useApi();
  const toast = useToast();
  // The toast outlives the render that showed it: call the page's handlers as they are when Undo is clicked.
  const handlers = useRef({ onRestored, onStale });
  useEffect(() => {
    handlers.current = { onRestored, onStale };
  }, [onRestored, onStale]);

  return useCallback(
    async (savedEtag: string, savedText: string) => {
      try {
        const { versions } = await api.getHistory(mac, { limit: 100 });
        const target = undoTarget(versions, savedEtag);
        if (!target) {
          toast('error', 'Nothing to undo: the history has no version before this save.');
          return;
        }
        handlers.current.onRestored(await api.restoreVersion(mac, target.version, savedEtag), savedText);
        toast('success', `Undone: ${mac} is back to version ${target.version}`);
      } catch (caught) {
        const failure = asApiError(caught);
        if (failure.code === 'PRECONDITION_FAILED') handlers.current.onStale(failure);
        else toast('error', `Not undone: ${failure.message}`);
      }
    },
    [api, mac, toast],
  );
}
