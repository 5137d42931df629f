import { useEffect, useLayoutEffect, useRef, useState } from 'react';

/**
 * Rows rendered at first, and added per "Show more". Searching and sorting always cover the whole fleet; only the
 * table is cut, because rendering every row of 10,000 devices took the page ~10 s, and each keystroke of a
 * search seconds.
 */
export const ROWS_PER_PAGE = 250;

/**
 * The rows "Show more" opened and how far the page was scrolled, kept per history entry when the list is left: Back
 * from a device returns to the same row, which the browser cannot do alone as the list loads after the page shows.
 */
interface ListView {
  rowsKey: string;
  limit: number;
  scrollY: number;
}
const VIEW_STORAGE_PREFIX = 'iot-config-manager.device-list-view.';

function readView(historyKey: string): ListView | null {
  try {
    const view = JSON.parse(sessionStorage.getItem(VIEW_STORAGE_PREFIX + historyKey) ?? 'null') as Partial<ListView> | null;
    return typeof view?.rowsKey === 'string' && typeof view.limit === 'number' && typeof view.scrollY === 'number' ? (view as ListView) : null;
  } catch {
    return null;
  }
}

function saveView(historyKey: string, view: ListView): void {
  try {
    sessionStorage.setItem(VIEW_STORAGE_PREFIX + historyKey, JSON.stringify(view));
  } catch {
    // Storage can be disabled; Back then shows the top of the list.
  }
}

/**
 * How many of `rowCount` rows to show, for this search and order (`rowsKey`): a new one starts at the first page
 * again. Restores the rows opened and the scroll position when the person comes Back to this history entry.
 */
export function useListView(locationKey: string, rowsKey: string, ready: boolean) {
  const [savedView] = useState(() => readView(locationKey));
  const [opened, setOpened] = useState(() => ({ rowsKey, limit: savedView?.rowsKey === rowsKey ? savedView.limit : ROWS_PER_PAGE }));
  if (opened.rowsKey !== rowsKey) setOpened({ rowsKey, limit: ROWS_PER_PAGE });
  const rowLimit = opened.rowsKey === rowsKey ? opened.limit : ROWS_PER_PAGE;
  // After "Show more", the focus moves to the first new row: the button may be gone, and a keyboard user reads on.
  const tableBody = useRef<HTMLTableSectionElement>(null);
  const focusRow = useRef<number | null>(null);
  useEffect(() => {
    if (focusRow.current === null) return;
    tableBody.current?.rows[focusRow.current]?.querySelector<HTMLElement>('a.row-link')?.focus();
    focusRow.current = null;
  }, [rowLimit]);
  // Saved in a layout effect's cleanup: React runs it before it takes the list out of the page, while the scroll
  // position is still the list's (a passive cleanup runs after, on the next page's shorter document). A scroll event
  // comes too late as well: a click can leave before the last one is delivered.
  useLayoutEffect(() => () => saveView(locationKey, { rowsKey, limit: rowLimit, scrollY: window.scrollY }), [locationKey, rowsKey, rowLimit]);
  const restoreScroll = useRef(savedView?.scrollY ?? null);
  useLayoutEffect(() => {
    if (!ready || restoreScroll.current === null) return;
    window.scrollTo(0, restoreScroll.current);
    restoreScroll.current = null;
  }, [ready]);
  const showMore = () => {
    focusRow.current = rowLimit;
    setOpened({ rowsKey, limit: rowLimit + ROWS_PER_PAGE });
  };
  return { rowLimit, tableBody, showMore };
}
