import { MeshError, silentLogger } from '@mesh/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderState } from './order-state.js';
import { recordingTracing } from './test-tracing.js';
import {
  ReconcileMetrics,
  startReconciler,
  type ReconcilePorts,
  type Reconciler,
  type ReconcilerOptions,
  type StandingCharge,
} from './reconciler.js';

const NOW = 1_800_000_000_000;
const settings = { intervalMs: 0, windowMs: 3_600_000, graceMs: 60_000, maxCharges: 1000 };

function charge(orderId: string, ageMs: number): StandingCharge {
  return {
    order_id: orderId,
    payment_id: `ch_${orderId}`,
    amount: 9.99,
    currency: 'usd',
    created: Math.floor((NOW - ageMs) / 1000),
  };
}

function fakePorts(
  charges: StandingCharge[],
  states: Record<string, OrderState>,
  failing = new Set<string>(),
) {
  const refunded: string[] = [];
  let since: number | undefined;
  const ports: ReconcilePorts = {
    async standingCharges(createdSince) {
      since = createdSince;
      return { charges, truncated: false };
    },
    async refund(orderId) {
      if (failing.has(orderId)) throw new MeshError('TIMEOUT', 'payment agent did not answer');
      refunded.push(orderId);
    },
    async states(ids) {
      return new Map(ids.filter((id) => states[id] !== undefined).map((id) => [id, states[id]!]));
    },
  };
  return { ports, refunded, since: () => since };
}

async function metricValue(metrics: ReconcileMetrics, outcome: string): Promise<number> {
  const values = (await metrics.charges.get()).values;
  return values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
}

/** A reconciler over `fake`'s ports at the fixed clock, with the test's settings. */
function reconcilerFor(
  fake: { ports: ReconcilePorts },
  metrics: ReconcileMetrics,
  extra: Partial<ReconcilerOptions> = {},
): Reconciler {
  return startReconciler({
    ports: fake.ports,
    settings,
    metrics,
    logger: silentLogger(),
    now: () => NOW,
    ...extra,
  });
}

describe('reconciler', () => {
  let reconciler: Reconciler | undefined;
  afterEach(async () => {
    await reconciler?.stop();
  });

  it('refunds standing charges of failed, compensated and unknown orders, and leaves the rest', async () => {
    const fake = fakePorts(
      [
        charge('o-failed', 120_000),
        charge('o-compensated', 120_000),
        charge('o-lost', 120_000),
        charge('o-completed', 120_000),
        charge('o-charged', 120_000),
        charge('o-young-lost', 10_000),
      ],
      {
        'o-failed': 'failed',
        'o-compensated': 'compensated',
        'o-completed': 'completed',
        'o-charged': 'charged',
      },
    );
    const metrics = new ReconcileMetrics();
    reconciler = reconcilerFor(fake, metrics);
    const result = await reconciler.runOnce();
    expect(result).toEqual({ found: 3, refunded: 3, failed: 0 });
    expect(fake.refunded.sort()).toEqual(['o-compensated', 'o-failed', 'o-lost']);
    expect(fake.since()).toBe(Math.floor((NOW - settings.windowMs) / 1000));
    expect(await metricValue(metrics, 'found')).toBe(3);
    expect(await metricValue(metrics, 'refunded')).toBe(3);
  });

  it('counts a refund that failed and goes on with the others', async () => {
    const fake = fakePorts(
      [charge('o-1', 120_000), charge('o-2', 120_000)],
      { 'o-1': 'compensated', 'o-2': 'failed' },
      new Set(['o-1']),
    );
    const metrics = new ReconcileMetrics();
    reconciler = reconcilerFor(fake, metrics);
    expect(await reconciler.runOnce()).toEqual({ found: 2, refunded: 1, failed: 1 });
    expect(fake.refunded).toEqual(['o-2']);
    expect(await metricValue(metrics, 'refund_failed')).toBe(1);
  });

  it('runs each pass as the root span of a trace of its own, and passes it to the calls', async () => {
    const fake = fakePorts([charge('o-1', 120_000)], { 'o-1': 'failed' });
    const traces: unknown[] = [];
    const refund = fake.ports.refund;
    fake.ports.refund = async (orderId, options) => {
      traces.push(options.trace);
      return refund(orderId, options);
    };
    const tracing = recordingTracing();
    reconciler = reconcilerFor(fake, new ReconcileMetrics(), { tracing });
    await reconciler.runOnce();
    expect(tracing.spans.map((span) => [span.name, span.ended])).toEqual([['reconcile charges', 'ok']]);
    expect(traces).toEqual([expect.objectContaining({ traceId: 'a'.repeat(32) })]);
  });

  it('skips a pass until the payment agent is resolved', async () => {
    const fake = fakePorts([charge('o-1', 120_000)], {});
    let ready = false;
    reconciler = reconcilerFor(fake, new ReconcileMetrics(), { ready: () => ready });
    expect(await reconciler.runOnce()).toBeUndefined();
    expect(fake.refunded).toEqual([]);
    ready = true;
    expect(await reconciler.runOnce()).toEqual({ found: 1, refunded: 1, failed: 0 });
  });
});
