/** One key's count in its current window. */
export interface CountWindow {
  readonly count: number;
  /** When the window ends, in ms on the monotonic clock (`performance.now()`). */
  readonly endsAt: number;
}

/**
 * Counts events per key (a client address) in fixed windows, each starting
 * at the key's first event after its previous window ended: the failed
 * authentications of each client (see docs/adr/0007-failed-auth-counter.md).
 *
 * Windows all have one length and a key starting a new window moves to the
 * end of the map, so the map is ordered by end: expired windows are always
 * at its front and are dropped from there as events come. Past `maxKeys`
 * live windows the oldest is dropped, so memory stays bounded whatever the
 * number of addresses. Time is read from the monotonic clock: were the wall
 * clock stepped back, new windows would land behind older ones that end
 * later, and expired ones behind those would never be dropped.
 */
export class WindowCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 20_000,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, not ${windowMs}`);
    if (!(Number.isInteger(maxKeys) && maxKeys > 0)) throw new RangeError(`maxKeys must be a positive integer, not ${maxKeys}`);
  }

  /** Counts one event for `key`, and gives its window (live: read it at once, do not keep it). */
  hit(key: string, now = performance.now()): CountWindow {
    this.dropExpired(now);
    const window = this.windows.get(key);
    if (window !== undefined) {
      window.count++;
      return window;
    }
    if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    const started = { count: 1, endsAt: now + this.windowMs };
    this.windows.set(key, started);
    return started;
  }

  /** The current window of `key`, without counting; undefined when it has none. */
  peek(key: string, now = performance.now()): CountWindow | undefined {
    const window = this.windows.get(key);
    return window !== undefined && window.endsAt > now ? window : undefined;
  }

  /** Keys held: those with a live window, and expired ones not yet dropped. */
  get size(): number {
    return this.windows.size;
  }

  private dropExpired(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt > now) return;
      this.windows.delete(key);
    }
  }
}

/** Whole seconds until `window` ends, at least 1: what `Retry-After` says. */
export function secondsLeft(window: CountWindow, now = performance.now()): number {
  return Math.max(1, Math.ceil((window.endsAt - now) / 1000));
}
