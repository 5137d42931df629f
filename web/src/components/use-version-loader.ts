import { useCallback, useEffect, useRef } from 'react';
import type { HistoryVersionContent } from '../api/client.js';
import { useApi } from '../api/api-context.js';
import { formatJsonSource } from '../lib/config-text.js';

/** A version with its text laid out as the editor shows stored configs; `text` is null for a tombstone. */
export interface VersionText {
  meta: HistoryVersionContent;
  text: string | null;
}

/** The text of a stored version: re-indented like the editor's, so a diff against it shows only real changes. */
export function versionText(meta: HistoryVersionContent): string | null {
  if (meta.content_text === null) return null;
  return meta.content === null ? meta.content_text : formatJsonSource(meta.content_text);
}

/**
 * Loads versions of one MAC, each once: versions never change, so a second look (another diff, the restore
 * dialog) needs no new request.
 */
export function useVersionLoader(mac: string): (version: number) => Promise<VersionText> {
  const api = useApi();
  const cache = useRef(new Map<number, Promise<VersionText>>());
  useEffect(() => {
    cache.current = new Map();
  }, [mac]);
  return useCallback(
    (version: number) => {
      let loaded = cache.current.get(version);
      if (!loaded) {
        loaded = api.getVersion(mac, version).then((meta) => ({ meta, text: versionText(meta) }));
        // A failure is not kept: the next look tries again.
        loaded.catch(() => cache.current.delete(version));
        cache.current.set(version, loaded);
      }
      return loaded;
    },
    [api, mac],
  );
}
