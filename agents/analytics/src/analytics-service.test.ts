import { describe, expect, it } from 'vitest';
import { AnalyticsService } from './analytics-service.js';
import { EventBatcher } from './event-batcher.js';
import { MemoryOrderEventStore } from './event-store.js';
import { classify } from './order-event.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const minutesAgo = (minutes: number): string => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function setup() {
  const store = new MemoryOrderEventStore();
  const batcher = new EventBatcher({ store, batchSize: 1000, intervalMs: 60_000 });
  const service = new AnalyticsService({ store, batcher, now: () => NOW });
  return { store, batcher, service };
}

describe('analytics service', () => {
  it('reads the kind from the last word of the type', () => {
    expect(classify('order_completed')).toBe('completed');
    expect(classify('orders.failed')).toBe('failed');
    expect(classify('order.compensated')).toBe('compensated');
    expect(classify('ORDER-CREATED')).toBe('created');
    expect(classify('order_shipped')).toBe('other');
  });

  it('computes rate, revenue, failure and compensation rates over flushed and buffered events', async () => {
    const { batcher, service } = setup();
    service.record({ type: 'order_completed', order_id: 'o-1', amount: 99.99, occurred_at: minutesAgo(1) });
    service.record({ type: 'order_completed', order_id: 'o-2', amount: 0.01, occurred_at: minutesAgo(2) });
    service.record({ type: 'order_completed', order_id: 'o-3', amount: 50, occurred_at: minutesAgo(3) });
    await batcher.flush();
    service.record({ type: 'order_failed', order_id: 'o-4', amount: 10, occurred_at: minutesAgo(4) });
    service.record({ type: 'order_compensated', order_id: 'o-4', amount: 10, occurred_at: minutesAgo(4) });
    service.record({ type: 'order_completed', order_id: 'o-old', amount: 1000, occurred_at: minutesAgo(20) });
    const report = await service.report(10);
    expect(report).toMatchObject({
      window_minutes: 10,
      completed: 3,
      failed: 1,
      compensated: 1,
      revenue: 150,
      orders_per_minute: 0.4,
      failure_rate: 0.25,
      compensation_rate: 0.25,
      unflushed: 2,
    });
    expect((await service.report(60)).revenue).toBe(1150);
  });

  it('counts a compensated order as one failure, whether reported as failed, compensated or both', async () => {
    const { batcher, service } = setup();
    service.record({ type: 'order_completed', order_id: 'ok', amount: 1, occurred_at: minutesAgo(1) });
    service.record({ type: 'orders.compensated', order_id: 'only-comp', occurred_at: minutesAgo(1) });
    service.record({ type: 'orders.failed', order_id: 'both-stored', occurred_at: minutesAgo(1) });
    service.record({ type: 'orders.compensated', order_id: 'both-stored', occurred_at: minutesAgo(1) });
    service.record({ type: 'orders.failed', order_id: 'split', occurred_at: minutesAgo(1) });
    await batcher.flush();
    service.record({ type: 'orders.compensated', order_id: 'split', occurred_at: minutesAgo(1) });
    service.record({ type: 'orders.failed', order_id: 'both-buffered', occurred_at: minutesAgo(1) });
    service.record({ type: 'orders.compensated', order_id: 'both-buffered', occurred_at: minutesAgo(1) });
    service.record({ type: 'orders.failed', order_id: 'only-failed', occurred_at: minutesAgo(1) });
    const report = await service.report(10);
    expect(report).toMatchObject({
      completed: 1,
      failed: 5,
      compensated: 4,
      failure_rate: 0.8333,
      compensation_rate: 0.6667,
    });
  });

  it('counts an event once when it is both stored and buffered again', async () => {
    const { batcher, service } = setup();
    service.record({ type: 'order_completed', order_id: 'o-1', amount: 5, occurred_at: minutesAgo(1) });
    await batcher.flush();
    expect(
      service.record({ type: 'orders.completed', order_id: 'o-1', amount: 5, occurred_at: minutesAgo(1) }),
    ).toEqual({
      accepted: true,
      duplicate: false,
    });
    const report = await service.report(10);
    expect(report).toMatchObject({ completed: 1, revenue: 5, unflushed: 0 });
  });

  it('reports zeros, not NaN, when nothing happened', async () => {
    const { service } = setup();
    expect(await service.report()).toMatchObject({
      orders_per_minute: 0,
      revenue: 0,
      failure_rate: 0,
      compensation_rate: 0,
    });
  });

  it('refuses an event with an invalid occurred_at', () => {
    const { service } = setup();
    expect(() =>
      service.record({ type: 'order_completed', order_id: 'o-1', occurred_at: 'yesterday' }),
    ).toThrow(/occurred_at/);
  });

  it('refuses an amount the store cannot hold (1e17 overflowed bigint cents) with VALIDATION_FAILED', async () => {
    const { service } = setup();
    expect(() => service.record({ type: 'order_completed', order_id: 'o-1', amount: 1e17 })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(/amount must be at most/),
      }),
    );
    await expect(
      service.recordDurably({ type: 'order_completed', order_id: 'o-1', amount: 1e17 }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
