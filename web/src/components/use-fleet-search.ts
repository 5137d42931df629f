import { useEffect, useState } from 'react';
import type { SearchMatch } from '../api/client.js';
import { useApi } from '../api/api-context.js';

/** The search route's cap, asked for in full: the list shows every device that matches. */
const SEARCH_LIMIT = 1000;
const DEBOUNCE_MS = 250;

/**
 * The devices whose config holds `query` anywhere (a key path or a value), by MAC, from the search route; null while
 * there is nothing to ask (under two characters) or no answer yet. Typing cancels the question before.
 */
export function useFleetSearch(query: string, refreshKey: unknown): { matches: ReadonlyMap<string, SearchMatch> | null; truncated: boolean } {
  const api = useApi();
  const [answer, setAnswer] = useState<{ query: string; matches: ReadonlyMap<string, SearchMatch>; truncated: boolean } | null>(null);
  const needle = query.trim();
  useEffect(() => {
    if (needle.length < 2) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api.searchConfigs(needle, SEARCH_LIMIT, abort.signal).then(
        ({ matches, truncated }) => setAnswer({ query: needle, matches: new Map(matches.map((match) => [match.mac_address, match])), truncated }),
        // A failed search leaves the list as the summary fields filter it.
        () => undefined,
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [api, needle, refreshKey]);
  if (needle.length < 2 || answer === null || answer.query !== needle) return { matches: null, truncated: false };
  return { matches: answer.matches, truncated: answer.truncated };
}
