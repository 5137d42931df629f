import { useEffect } from 'react';

/** The tab's title, so several open devices can be told apart; null leaves it to a component inside. */
export function useDocumentTitle(title: string | null): void {
  useEffect(() => {
    if (title === null) return;
    // First strong isolate ... pop directional isolate: a right-to-left name cannot reorder the app's name.
    document.title = `\u2068${title}\u2069 · IoT Config Manager`;
  }, [title]);
}
