import { useEffect } from 'react';

/** The tab's title, so several open devices can be told apart. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    // First strong isolate ... pop directional isolate: a right-to-left name cannot reorder the app's name.
    document.title = `\u2068${title}\u2069 · IoT Config Manager`;
  }, [title]);
}
