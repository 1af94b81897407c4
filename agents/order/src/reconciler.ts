import type { StandingCharge } from '@mesh/contracts';
import { toMeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import type { SpanStarter } from '@mesh/runtime';
import { Counter, Registry } from 'prom-client';
import { isTerminal, type OrderState } from './order-state.js';
import type { StepOptions } from './saga-ports.js';

/** Tunables of the reconciliation pass (config.ts maps env to these). */
export interface ReconcileSettings {
  /** Between passes; 0 disables the periodic pass (the one at start still runs). */
  intervalMs: number;
  /** How far back charges are looked at. */
  windowMs: number;
  /** Charges younger than this are skipped: their order may still be on its way to `completed`. */
  graceMs: number;
  /** Most charges one pass looks at. */
  maxCharges: number;
}

/** A charge at the gateway with money still standing, as payment_standing_charges lists it. */
export type { StandingCharge };

/** What a pass needs from the mesh and from the order store. */
export interface ReconcilePorts {
  standingCharges(
    createdSince: number,
    max: number,
    options: StepOptions,
  ): Promise<{ charges: StandingCharge[]; truncated: boolean }>;
  refund(orderId: string, options: StepOptions): Promise<void>;
  /** Saga state per order id; ids the store does not know are absent. */
  states(orderIds: readonly string[]): Promise<Map<string, OrderState>>;
}

/** Prometheus counters of the pass, in a registry of their own for the runtime's /metrics. */
export class ReconcileMetrics {
  readonly registry = new Registry();
  readonly charges: Counter<'outcome'>;
  readonly passes: Counter<'outcome'>;

  constructor() {
    this.charges = new Counter({
      name: 'order_reconcile_charges_total',
      help: 'Standing charges at the payment gateway for orders that did not complete: found, refunded, or refund_failed.',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.passes = new Counter({
      name: 'order_reconcile_passes_total',
      help: 'Reconciliation passes by outcome (ok, failed).',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
  }
}

export interface ReconcilerOptions {
  ports: ReconcilePorts;
  settings: ReconcileSettings;
  metrics: ReconcileMetrics;
  logger: Logger;
  /** Skip passes while this says no (payment agent not resolved yet). */
  ready?: () => boolean;
  /** Bound on each mesh call of a pass. */
  callTimeoutMs?: number;
  /** Each pass is the root span of a trace of its own (its calls and log lines under it). */
  tracing?: SpanStarter;
  now?: () => number;
}

export interface PassResult {
  /** Standing charges of orders that did not complete. */
  found: number;
  refunded: number;
  failed: number;
}

export interface Reconciler {
  /** One pass (passes never overlap); undefined when skipped because not ready. */
  runOnce(): Promise<PassResult | undefined>;
  stop(): Promise<void>;
}

/**
 * The last line of defence for money: finds charges the payment gateway holds for orders that did not
 * complete (failed, compensated, or unknown to the store once older than the grace period) and refunds them.
 * The saga refunds on its own; this catches what a crash between two steps, or a lost write, left behind.
 * Orders still in progress are left to the saga and recovery. Refunds are idempotent per order, so two
 * replicas running passes side by side refund once.
 */
export function startReconciler(options: ReconcilerOptions): Reconciler {
  const { ports, settings, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const timeoutMs = options.callTimeoutMs ?? 30_000;
  let running: Promise<PassResult | undefined> | undefined;
  let stopped = false;
  /** Until the first pass has run, a skipped one is retried soon rather than a whole interval later. */
  let firstDone = false;
  let retry: NodeJS.Timeout | undefined;

  const pass = async (): Promise<PassResult | undefined> => {
    if (options.ready && !options.ready()) return undefined;
    if (options.tracing === undefined) return reconcile({ timeoutMs });
    const span = options.tracing.start('reconcile charges', { kind: 'internal' });
    try {
      const result = await span.run(() => reconcile({ timeoutMs, trace: span.trace }));
      if (result !== undefined) {
        span.setAttribute('order.reconcile.found', result.found);
        span.setAttribute('order.reconcile.refunded', result.refunded);
      }
      span.end();
      return result;
    } catch (error: unknown) {
      span.end(error);
      throw error;
    }
  };

  const reconcile = async (step: StepOptions): Promise<PassResult> => {
    const at = now();
    const { charges, truncated } = await ports.standingCharges(
      Math.floor((at - settings.windowMs) / 1000),
      settings.maxCharges,
      step,
    );
    if (truncated) {
      logger.warn(
        { max: settings.maxCharges },
        'more standing charges than one reconciliation pass looks at; raise ORDER_RECONCILE_MAX',
      );
    }
    const settled = charges.filter((c) => c.created * 1000 <= at - settings.graceMs);
    const states = await ports.states([...new Set(settled.map((c) => c.order_id))]);
    const orphaned = settled.filter((c) => {
      const state = states.get(c.order_id);
      return state === undefined || (isTerminal(state) && state !== 'completed');
    });
    const result: PassResult = { found: orphaned.length, refunded: 0, failed: 0 };
    for (const charge of orphaned) {
      metrics.charges.inc({ outcome: 'found' });
      const state = states.get(charge.order_id) ?? 'unknown';
      try {
        await ports.refund(charge.order_id, step);
        result.refunded += 1;
        metrics.charges.inc({ outcome: 'refunded' });
        logger.warn(
          { order_id: charge.order_id, payment_id: charge.payment_id, amount: charge.amount, state },
          'refunded a standing charge of an order that did not complete',
        );
      } catch (error: unknown) {
        result.failed += 1;
        metrics.charges.inc({ outcome: 'refund_failed' });
        logger.error(
          {
            order_id: charge.order_id,
            payment_id: charge.payment_id,
            state,
            err: toMeshError(error).message,
          },
          'could not refund a standing charge; the next pass retries',
        );
      }
    }
    return result;
  };

  const runOnce = (): Promise<PassResult | undefined> => {
    if (running) return running;
    running = pass()
      .then((result) => {
        if (result !== undefined) {
          firstDone = true;
          metrics.passes.inc({ outcome: 'ok' });
        } else if (!firstDone && !stopped) {
          retry = setTimeout(() => void runOnce(), 1_000);
          retry.unref();
        }
        return result;
      })
      .catch((error: unknown) => {
        metrics.passes.inc({ outcome: 'failed' });
        logger.warn({ err: toMeshError(error).message }, 'reconciliation pass failed; the next one retries');
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer =
    settings.intervalMs > 0
      ? setInterval(() => {
          if (!stopped) void runOnce();
        }, settings.intervalMs)
      : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (retry) clearTimeout(retry);
      await running;
    },
  };
}
