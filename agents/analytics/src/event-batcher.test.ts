import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBatcher } from './event-batcher.js';
import { MemoryOrderEventStore, type OrderEventStore } from './event-store.js';
import { normalizeEvent } from './order-event.js';

const event = (orderId: string, type = 'order_completed') =>
  normalizeEvent({ type, order_id: orderId, amount: 10 });

describe('event batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes one batch as soon as the batch is full', async () => {
    const store = new MemoryOrderEventStore();
    const batcher = new EventBatcher({ store, batchSize: 3, intervalMs: 60_000 });
    batcher.start();
    batcher.add(event('o-1'));
    batcher.add(event('o-2'));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.batches).toEqual([]);
    batcher.add(event('o-3'));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.batches).toEqual([3]);
    expect(batcher.pending()).toEqual([]);
    await batcher.stop();
  });

  it('writes what waits when the interval passes, and nothing when nothing waits', async () => {
    const store = new MemoryOrderEventStore();
    const batcher = new EventBatcher({ store, batchSize: 1000, intervalMs: 5000 });
    batcher.start();
    batcher.add(event('o-1'));
    await vi.advanceTimersByTimeAsync(4999);
    expect(store.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.batches).toEqual([1]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(store.batches).toEqual([1]);
    await batcher.stop();
  });

  it('writes everything still buffered on stop', async () => {
    const store = new MemoryOrderEventStore();
    const batcher = new EventBatcher({ store, batchSize: 1000, intervalMs: 60_000 });
    batcher.start();
    batcher.add(event('o-1'));
    batcher.add(event('o-2'));
    await batcher.stop();
    expect(store.size).toBe(2);
  });

  it('ignores an event already waiting (same order and type)', () => {
    const batcher = new EventBatcher({ store: new MemoryOrderEventStore(), batchSize: 10, intervalMs: 1000 });
    expect(batcher.add(event('o-1'))).toBe(true);
    expect(batcher.add(event('o-1', 'orders.completed'))).toBe(false);
    expect(batcher.add(event('o-1', 'order_failed'))).toBe(true);
    expect(batcher.pending()).toHaveLength(2);
  });

  it('keeps a batch whose write failed for the next flush, within its bound', async () => {
    const memory = new MemoryOrderEventStore();
    let failing = true;
    const store: OrderEventStore = {
      insertBatch: (events) =>
        failing ? Promise.reject(new Error('database down')) : memory.insertBatch(events),
      totals: (since) => memory.totals(since),
      existing: (events) => memory.existing(events),
      failedAndCompensated: (since) => memory.failedAndCompensated(since),
    };
    const dropped: number[] = [];
    const batcher = new EventBatcher({
      store,
      batchSize: 100,
      intervalMs: 1000,
      maxBuffered: 3,
      onDrop: (n) => dropped.push(n),
    });
    batcher.add(event('o-1'));
    batcher.add(event('o-2'));
    await expect(batcher.flush()).rejects.toThrow('database down');
    expect(batcher.pending()).toHaveLength(2);
    batcher.add(event('o-3'));
    batcher.add(event('o-4'));
    expect(dropped).toEqual([1]);
    failing = false;
    expect(await batcher.flush()).toBe(3);
    expect(batcher.consecutiveFailures).toBe(0);
    expect(memory.size).toBe(3);
  });
});

describe('event batcher: store() answers only after the commit', () => {
  it('resolves once the batch is written, without waiting for the interval, sharing one write', async () => {
    const store = new MemoryOrderEventStore();
    const batcher = new EventBatcher({ store, batchSize: 1000, intervalMs: 60_000 });
    const outcomes = await Promise.all([batcher.store(event('s-1')), batcher.store(event('s-2'))]);
    expect(outcomes).toEqual(['stored', 'stored']);
    expect(store.batches).toEqual([2]);
    expect(await batcher.store(event('s-1'))).toBe('duplicate');
  });

  it('rejects only the row the store refuses; the others resolve', async () => {
    const memory = new MemoryOrderEventStore();
    const refused: string[] = [];
    const store: OrderEventStore = {
      insertBatch: async (events) => {
        const good = events.filter((e) => e.orderId !== 'bad');
        const result = await memory.insertBatch(good);
        const bad = events
          .filter((e) => e.orderId === 'bad')
          .map((e) => ({ event: e, reason: 'out of range' }));
        return { ...result, rejected: bad };
      },
      totals: (since) => memory.totals(since),
      existing: (events) => memory.existing(events),
      failedAndCompensated: (since) => memory.failedAndCompensated(since),
    };
    const batcher = new EventBatcher({
      store,
      batchSize: 1000,
      intervalMs: 60_000,
      onReject: (item) => refused.push(item.event.orderId),
    });
    const results = await Promise.allSettled([
      batcher.store(event('a')),
      batcher.store(event('bad')),
      batcher.store(event('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(refused).toEqual(['bad']);
    expect(memory.size).toBe(2);
    expect(batcher.pending()).toEqual([]);
  });

  it('keeps waiting through failed writes, retrying with backoff, and counts the failures', async () => {
    const memory = new MemoryOrderEventStore();
    let failures = 2;
    const store: OrderEventStore = {
      insertBatch: (events) =>
        failures-- > 0 ? Promise.reject(new Error('database down')) : memory.insertBatch(events),
      totals: (since) => memory.totals(since),
      existing: (events) => memory.existing(events),
      failedAndCompensated: (since) => memory.failedAndCompensated(since),
    };
    const seen: number[] = [];
    const batcher = new EventBatcher({
      store,
      batchSize: 1000,
      intervalMs: 60_000,
      onFlushFailed: () => seen.push(batcher.consecutiveFailures),
    });
    expect(await batcher.store(event('r-1'))).toBe('stored');
    expect(seen).toEqual([1, 2]);
    expect(batcher.consecutiveFailures).toBe(0);
    expect(memory.size).toBe(1);
  });
});
