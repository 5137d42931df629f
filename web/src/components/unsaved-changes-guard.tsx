import { useCallback, useEffect, useRef, type ReactNode } from 'react';
import { useBlocker, type BlockerFunction } from 'react-router-dom';
import { Dialog } from './dialog.js';

/**
 * Asks before leaving a page with unsaved edits: in-app links and the back
 * button get a dialog, reload and closing the tab get the browser's own
 * prompt. `allowNextNavigation()` lets a save or delete move on without it.
 */
export function useUnsavedChangesGuard(dirty: boolean): { allowNextNavigation: () => void; guardDialog: ReactNode } {
  const allowed = useRef(false);
  const blocker = useBlocker(
    useCallback<BlockerFunction>(
      ({ currentLocation, nextLocation }) =>
        dirty && !allowed.current && currentLocation.pathname !== nextLocation.pathname,
      [dirty],
    ),
  );

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => {
      if (allowed.current) return;
      event.preventDefault();
      // Older browsers need returnValue set to show the prompt.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const guardDialog =
    blocker.state === 'blocked' ? (
      <Dialog title="Discard unsaved changes?" testId="unsaved-dialog" onClose={() => blocker.reset()}>
        <div className="dialog-body">
          <p>You have edits that are not saved. If you leave this page now, they are lost.</p>
          <div className="dialog-actions">
            <button type="button" className="btn btn-secondary" autoFocus onClick={() => blocker.reset()} data-testid="stay">
              Keep editing
            </button>
            <button type="button" className="btn btn-danger" onClick={() => blocker.proceed()} data-testid="discard">
              Discard changes
            </button>
          </div>
        </div>
      </Dialog>
    ) : null;

  return { allowNextNavigation: () => (allowed.current = true), guardDialog };
}
