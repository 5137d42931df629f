import fsSync from 'node:fs';
import { vi } from 'vitest';

/**
 * Makes every synchronous lstat wait `ms` first, as storage that can stall does (a network filesystem having a
 * bad moment); a few such calls in a row move the store's calls to the thread pool. Undone by vi.restoreAllMocks.
 */
export function makeLstatSyncSlow(ms = 5) {
  const realLstatSync = fsSync.lstatSync;
  return vi.spyOn(fsSync, 'lstatSync').mockImplementation(((...args: Parameters<typeof fsSync.lstatSync>) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // Busy-wait: the call must take that long on the event loop.
    }
    return realLstatSync(...args);
  }) as typeof fsSync.lstatSync);
}
