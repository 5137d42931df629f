import { useEffect } from 'react';

/** The tab's title, so several open devices can be told apart. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · IoT Config Manager`;
  }, [title]);
}
