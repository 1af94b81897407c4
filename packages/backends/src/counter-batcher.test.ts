import { describe, expect, it } from 'vitest';
import { CounterBatcher } from './counter-batcher.js';

const expiry = new Date(60_000);

/** An in-memory writer that records each batch it was given. */
function recordingWriter() {
  const totals = new Map<string, number>();
  const batches: { keys: string[]; by: number[] }[] = [];
  const write = async (keys: string[], by: number[]): Promise<Map<string, number>> => {
    batches.push({ keys, by });
    await new Promise((resolve) => setTimeout(resolve, 5));
    keys.forEach((key, i) => totals.set(key, (totals.get(key) ?? 0) + by[i]!));
    return new Map(keys.map((key) => [key, totals.get(key)!]));
  };
  return { write, batches };
}

describe('CounterBatcher', () => {
  it('writes hits made while a write is in flight as one sorted batch, with exact counts per hit', async () => {
    const { write, batches } = recordingWriter();
    const batcher = new CounterBatcher(write);
    const first = batcher.increment('b', expiry);
    await Promise.resolve();
    const rest = ['b', 'a', 'b', 'c', 'a'].map((key) => batcher.increment(key, expiry));
    const counts = await Promise.all([first, ...rest]);
    expect(batches).toEqual([
      { keys: ['b'], by: [1] },
      { keys: ['a', 'b', 'c'], by: [2, 2, 1] },
    ]);
    expect(counts).toEqual([1, 2, 1, 3, 1, 2]);
  });

  it("adds each caller's increment and hands each the count its own increment produced", async () => {
    const { write, batches } = recordingWriter();
    const batcher = new CounterBatcher(write);
    const first = batcher.increment('a', expiry, 4);
    await Promise.resolve();
    const rest = [
      batcher.increment('a', expiry, 8),
      batcher.increment('a', expiry),
      batcher.increment('b', expiry, 3),
    ];
    const counts = await Promise.all([first, ...rest]);
    expect(batches).toEqual([
      { keys: ['a'], by: [4] },
      { keys: ['a', 'b'], by: [9, 3] },
    ]);
    expect(counts).toEqual([4, 12, 13, 3]);
  });

  it('rejects every hit of a failed batch and keeps working afterwards', async () => {
    let fail = true;
    const batcher = new CounterBatcher(async (keys) => {
      if (fail) throw new Error('database down');
      return new Map(keys.map((key) => [key, 7]));
    });
    const failed = await Promise.allSettled([batcher.increment('x', expiry), batcher.increment('y', expiry)]);
    expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.increment('x', expiry)).toBe(7);
  });
});
