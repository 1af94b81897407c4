import { describe, expect, it } from 'vitest';
import { StatementBatcher } from './statement-batcher.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  it('runs the calls of one turn together, and those that arrive during a run together in the next', async () => {
    const runs: number[][] = [];
    let finish: (() => void) | undefined;
    const batcher = new StatementBatcher<number, number>(async (items) => {
      runs.push([...items]);
      await new Promise<void>((resolve) => (finish = resolve));
      return items.map((item) => item * 10);
    });
    const first = [batcher.add(1), batcher.add(2)];
    await nextTurn();
    expect(runs).toEqual([[1, 2]]);
    const later: Promise<number>[] = [];
    for (const item of [3, 4, 5]) {
      later.push(batcher.add(item));
      await nextTurn();
    }
    expect(runs).toHaveLength(1);
    finish?.();
    expect(await Promise.all(first)).toEqual([10, 20]);
    await nextTurn();
    expect(runs).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    finish?.();
    expect(await Promise.all(later)).toEqual([30, 40, 50]);
  });

  it('rejects every call of a failed run and runs the next batch all the same', async () => {
    let fail = true;
    const batcher = new StatementBatcher<string, string>(async (items) => {
      if (fail) throw new Error('database down');
      return [...items];
    });
    await expect(Promise.all([batcher.add('a'), batcher.add('b')])).rejects.toThrow('database down');
    fail = false;
    expect(await batcher.add('c')).toBe('c');
  });

  it('lets the first call of a batch wait lingerMs for others, and sends a full batch at once', async () => {
    const runs: number[][] = [];
    const batcher = new StatementBatcher<number, number>(
      async (items) => {
        runs.push([...items]);
        return [...items];
      },
      { lingerMs: 60, maxBatch: 3 },
    );
    const started = Date.now();
    const lingering = [batcher.add(1)];
    await new Promise((resolve) => setTimeout(resolve, 10));
    lingering.push(batcher.add(2));
    await nextTurn();
    expect(runs).toEqual([]);
    expect(await Promise.all(lingering)).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(runs).toEqual([[1, 2]]);

    const full = [batcher.add(3), batcher.add(4), batcher.add(5), batcher.add(6)];
    await nextTurn();
    expect(runs).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(await Promise.all(full)).toEqual([3, 4, 5, 6]);
    expect(runs).toEqual([[1, 2], [3, 4, 5], [6]]);
  });
});
