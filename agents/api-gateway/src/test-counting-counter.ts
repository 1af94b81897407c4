import type { HitCounter } from './rate-limiter.js';

/** One write a limiter made to its shared counter. */
export interface CounterWrite {
  key: string;
  by: number;
}

/**
 * Wraps a counter to record every write (so tests can count them) and how many writes per key were in flight
 * at once; `delayMs` keeps each write in flight for a while, as a network round trip would.
 */
export function countingCounter(inner: HitCounter, delayMs = 0) {
  const writes: CounterWrite[] = [];
  const inFlight = new Map<string, number>();
  let mostInFlight = 0;
  const counter: HitCounter = {
    async hit(key, windowMs, by = 1) {
      writes.push({ key, by });
      const now = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, now);
      mostInFlight = Math.max(mostInFlight, now);
      try {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        return await inner.hit(key, windowMs, by);
      } finally {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
      }
    },
  };
  return { counter, writes, mostInFlightPerKey: () => mostInFlight };
}
