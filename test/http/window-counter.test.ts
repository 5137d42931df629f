import { describe, expect, it } from 'vitest';
import { secondsLeft, WindowCounter } from '../../src/http/window-counter.js';

describe('WindowCounter', () => {
  it('counts a key within its window, and starts a new window once it is over', () => {
    const counter = new WindowCounter(60_000);
    expect(counter.hit('a', 1_000)).toEqual({ count: 1, endsAt: 61_000 });
    expect(counter.hit('a', 30_000)).toEqual({ count: 2, endsAt: 61_000 });
    expect(counter.hit('b', 30_000)).toEqual({ count: 1, endsAt: 90_000 });
    expect(counter.hit('a', 61_000)).toEqual({ count: 1, endsAt: 121_000 });
  });

  it('peeks without counting, and forgets a window that is over', () => {
    const counter = new WindowCounter(60_000);
    expect(counter.peek('a', 0)).toBeUndefined();
    counter.hit('a', 0);
    expect(counter.peek('a', 59_999)).toEqual({ count: 1, endsAt: 60_000 });
    expect(counter.peek('a', 59_999)).toEqual({ count: 1, endsAt: 60_000 });
    expect(counter.peek('a', 60_000)).toBeUndefined();
  });

  it('drops windows that are over as events come, so idle addresses take no memory', () => {
    const counter = new WindowCounter(1_000);
    for (let i = 0; i < 50; i++) counter.hit(`10.0.0.${i}`, i);
    expect(counter.size).toBe(50);
    counter.hit('10.0.1.1', 1_025);
    // The windows of the first 26 addresses ended by 1,025 ms.
    expect(counter.size).toBe(25);
    // Its window over, this address starts a new one, at the back.
    counter.hit('10.0.0.30', 1_030);
    counter.hit('10.0.0.31', 1_500);
    expect(counter.peek('10.0.0.30', 1_500)).toEqual({ count: 1, endsAt: 2_030 });
    expect(counter.size).toBe(3);
  });

  it('holds at most maxKeys addresses, dropping the oldest window first', () => {
    const counter = new WindowCounter(60_000, 3);
    for (const key of ['a', 'b', 'c']) counter.hit(key, 0);
    counter.hit('a', 1);
    counter.hit('d', 2);
    expect(counter.size).toBe(3);
    // 'a' counted again, but its window is still the oldest.
    expect(counter.peek('a', 2)).toBeUndefined();
    expect(counter.peek('b', 2)).toEqual({ count: 1, endsAt: 60_000 });
    expect(counter.peek('d', 2)).toEqual({ count: 1, endsAt: 60_002 });
  });

  it('refuses a window or a capacity that is not positive', () => {
    expect(() => new WindowCounter(0)).toThrow(/windowMs/);
    expect(() => new WindowCounter(60_000, 0)).toThrow(/maxKeys/);
    expect(() => new WindowCounter(60_000, 1.5)).toThrow(/maxKeys/);
  });

  it('gives Retry-After in whole seconds, at least 1', () => {
    expect(secondsLeft({ count: 1, endsAt: 60_000 }, 0)).toBe(60);
    expect(secondsLeft({ count: 1, endsAt: 60_000 }, 58_500)).toBe(2);
    expect(secondsLeft({ count: 1, endsAt: 60_000 }, 60_000)).toBe(1);
  });
});
