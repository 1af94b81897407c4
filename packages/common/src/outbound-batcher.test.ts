import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboundBatcher } from './outbound-batcher.js';

function recorder(options: { maxBatch?: number; maxDelayMs?: number; maxQueued?: number } = {}) {
  const batches: number[][] = [];
  const batcher = new OutboundBatcher<number, string>({
    name: 'numbers',
    maxBatch: options.maxBatch ?? 3,
    maxDelayMs: options.maxDelayMs ?? 50,
    maxQueued: options.maxQueued ?? 100,
    send: (items) => {
      batches.push(items);
      return Promise.resolve(items.map((item) => `sent ${item}`));
    },
  });
  return { batcher, batches };
}

describe('OutboundBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends items that arrive within the window as one batch once the window ends', async () => {
    const { batcher, batches } = recorder();
    const results = [batcher.add(1), batcher.add(2)];
    await vi.advanceTimersByTimeAsync(49);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2]]);
    expect(await Promise.all(results)).toEqual(['sent 1', 'sent 2']);
  });

  it('sends a full batch at once without waiting for the window', async () => {
    const { batcher, batches } = recorder({ maxBatch: 2 });
    const results = Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(50);
    expect(batches).toEqual([[1, 2], [3]]);
    expect(await results).toEqual(['sent 1', 'sent 2', 'sent 3']);
  });

  it('rejects every item of a batch whose call failed, and sends later items normally', async () => {
    let fail = true;
    const batcher = new OutboundBatcher<number, number>({
      name: 'numbers',
      maxBatch: 10,
      maxDelayMs: 10,
      maxQueued: 100,
      send: (items) => (fail ? Promise.reject(new Error('receiver down')) : Promise.resolve(items)),
    });
    const failed = [batcher.add(1), batcher.add(2)].map((promise) => promise.catch((e: Error) => e.message));
    await vi.advanceTimersByTimeAsync(10);
    expect(await Promise.all(failed)).toEqual(['receiver down', 'receiver down']);
    fail = false;
    const later = batcher.add(3);
    await vi.advanceTimersByTimeAsync(10);
    expect(await later).toBe(3);
  });

  it('rejects an item whose batch came back with fewer results than items', async () => {
    const batcher = new OutboundBatcher<number, number>({
      name: 'numbers',
      maxBatch: 10,
      maxDelayMs: 10,
      maxQueued: 100,
      send: (items) => Promise.resolve(items.slice(0, 1)),
    });
    const first = batcher.add(1);
    const second = batcher.add(2).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(10);
    expect(await first).toBe(1);
    expect(await second).toMatch(/no result for item 1/);
  });

  it('refuses an item at once with OVERLOADED when maxQueued items already wait', async () => {
    const { batcher } = recorder({ maxBatch: 10, maxQueued: 2 });
    void batcher.add(1);
    void batcher.add(2);
    await expect(batcher.add(3)).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(batcher.queued).toBe(2);
  });

  it('drain sends what waits without waiting for the window and resolves once it is sent', async () => {
    const { batcher, batches } = recorder();
    const result = batcher.add(7);
    await batcher.drain();
    expect(batches).toEqual([[7]]);
    expect(await result).toBe('sent 7');
  });

  it('refuses a maxBatch below 1', () => {
    expect(() => recorder({ maxBatch: 0 })).toThrow(RangeError);
  });
});

/** A coalescing batcher whose calls stay open until the test answers them. */
function coalescing(
  options: { maxBatch?: number; maxInFlight?: number; maxQueued?: number; lingerMs?: number } = {},
) {
  const calls: { items: number[]; answer(): void; fail(error: Error): void }[] = [];
  const batcher = new OutboundBatcher<number, string>({
    name: 'commits',
    maxBatch: options.maxBatch ?? 10,
    maxInFlight: options.maxInFlight ?? 1,
    maxQueued: options.maxQueued ?? 100,
    ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
    send: (items) =>
      new Promise<string[]>((resolve, reject) => {
        calls.push({
          items,
          answer: () => resolve(items.map((item) => `done ${item}`)),
          fail: reject,
        });
      }),
  });
  return { batcher, calls };
}

/** Lets queued microtasks and settled promises run (no timers are involved in coalescing mode). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OutboundBatcher, coalescing while a call is in flight', () => {
  it('sends a lone item at once, with no window', async () => {
    const { batcher, calls } = coalescing();
    const result = batcher.add(1);
    await Promise.resolve();
    expect(calls.map((call) => call.items)).toEqual([[1]]);
    calls[0]!.answer();
    expect(await result).toBe('done 1');
  });

  it('sends what arrived while a call was under way in one call as soon as it returns', async () => {
    const { batcher, calls } = coalescing();
    const first = batcher.add(1);
    await settle();
    const later = [batcher.add(2), batcher.add(3)];
    await settle();
    const more = batcher.add(4);
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[1]]);
    calls[0]!.answer();
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.answer();
    expect(await Promise.all([first, ...later, more])).toEqual(['done 1', 'done 2', 'done 3', 'done 4']);
  });

  it('keeps each call to maxBatch items and at most maxInFlight calls open', async () => {
    const { batcher, calls } = coalescing({ maxBatch: 2, maxInFlight: 2 });
    const results = [1, 2, 3, 4, 5, 6, 7].map((item) => batcher.add(item));
    await settle();
    expect(calls.map((call) => call.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(batcher.queued).toBe(3);
    calls[0]!.answer();
    await settle();
    expect(calls.map((call) => call.items)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    for (const call of calls.slice(1)) call.answer();
    await settle();
    calls[3]!.answer();
    expect(await Promise.all(results)).toHaveLength(7);
    expect(calls.map((call) => call.items)).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
  });

  it('fails every waiter of a failed call with its error and still sends the next batch', async () => {
    const { batcher, calls } = coalescing();
    const first = batcher.add(1).catch((e: Error) => e.message);
    await settle();
    const second = batcher.add(2);
    calls[0]!.fail(new Error('inventory unreachable'));
    expect(await first).toBe('inventory unreachable');
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[1], [2]]);
    calls[1]!.answer();
    expect(await second).toBe('done 2');
  });

  it('drain waits for the call in flight and sends what queued behind it', async () => {
    const { batcher, calls } = coalescing();
    const results = [batcher.add(1)];
    await settle();
    results.push(batcher.add(2));
    const drained = batcher.drain();
    calls[0]!.answer();
    await settle();
    calls[1]?.answer();
    await drained;
    expect(await Promise.all(results)).toEqual(['done 1', 'done 2']);
  });

  it('refuses a maxInFlight below 1', () => {
    expect(() => coalescing({ maxInFlight: 0 })).toThrow(RangeError);
  });
});

describe('OutboundBatcher, coalescing with a linger while busy', () => {
  beforeEach(() => {
    // Timers and the clock only: settle() still needs a real setImmediate.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** One item sent and answered, so the batcher has just been busy. */
  async function afterOneCall(lingerMs: number, maxBatch = 10) {
    const recorded = coalescing({ lingerMs, maxBatch });
    const first = recorded.batcher.add(0);
    await settle();
    expect(recorded.calls.map((call) => call.items)).toEqual([[0]]);
    recorded.calls[0]!.answer();
    await first;
    return recorded;
  }

  it('sends a lone item at once when nothing went out lately', async () => {
    const { calls } = await afterOneCall(5);
    expect(calls).toHaveLength(1);
  });

  it('holds a free slot while busy until the oldest item is lingerMs old, so those close behind share the call', async () => {
    const { batcher, calls } = await afterOneCall(5);
    await vi.advanceTimersByTimeAsync(2);
    const held = [batcher.add(1)];
    await settle();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3);
    held.push(batcher.add(2));
    await settle();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(calls.map((call) => call.items)).toEqual([[0], [1, 2]]);
    calls[1]!.answer();
    expect(await Promise.all(held)).toEqual(['done 1', 'done 2']);
  });

  it('sends at once again once traffic is quiet (nothing sent for four lingers)', async () => {
    const { batcher, calls } = await afterOneCall(5);
    await vi.advanceTimersByTimeAsync(21);
    void batcher.add(1);
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[0], [1]]);
  });

  it('sends a full batch without lingering', async () => {
    const { batcher, calls } = await afterOneCall(5, 2);
    void batcher.add(1);
    void batcher.add(2);
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[0], [1, 2]]);
  });

  it('does not hold again what already waited lingerMs for a call in flight', async () => {
    const { batcher, calls } = coalescing({ lingerMs: 5 });
    void batcher.add(0);
    await settle();
    await vi.advanceTimersByTimeAsync(1);
    void batcher.add(1);
    await settle();
    await vi.advanceTimersByTimeAsync(9);
    expect(calls.map((call) => call.items)).toEqual([[0]]);
    calls[0]!.answer();
    await settle();
    expect(calls.map((call) => call.items)).toEqual([[0], [1]]);
  });
});
