import { useEffect, useRef } from 'react';

/** Ctrl+S / Cmd+S runs `save` (and never opens the browser's "save page" dialog), unless a dialog is open. */
export function useSaveShortcut(save: () => void): void {
  const latest = useRef(save);
  useEffect(() => {
    latest.current = save;
  }, [save]);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        // Not behind an open dialog: the person is answering it, and a save there would change what it is about.
        if (document.querySelector('dialog[open]')) return;
        latest.current();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
