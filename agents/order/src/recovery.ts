import { toMeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import type { SpanStarter } from '@mesh/runtime';
import type { CallContext, OrderSaga } from './order-saga.js';
import type { OrderRecord, OrderStore } from './order-store.js';

export interface RecoveryOptions {
  saga: OrderSaga;
  store: OrderStore;
  owner: string;
  leaseMs: number;
  intervalMs: number;
  batch: number;
  logger: Logger;
  /** Skip passes while this says no (e.g. dependencies not resolved yet). */
  ready?: () => boolean;
  /** How long before an announcement that failed again is retried (default one minute). */
  announceRetryMs?: number;
  /**
   * Spans for the work of a pass: each order recovered or announced again is the root of a trace of its own
   * (its calls, queries and log lines under it), naming the trace the order was placed in.
   */
  tracing?: SpanStarter;
}

export interface Recovery {
  /**
   * One pass: claims up to `batch` stuck orders and finishes each, then up to `batch` decided orders whose
   * announcement is overdue and announces each; resolves with how many orders it picked up.
   */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Picks up orders a crashed or stalled process left unfinished (lease expired, state not terminal) and finishes
 * them (`OrderSaga.resume`): `reserved` orders forward (charged again by order id, which answers the first
 * outcome, then committed and completed), as are `charged`/`committed` ones of earlier versions; earlier
 * states are compensated. An order handed back because the payment agent could not be reached becomes
 * claimable again after a short delay. Claims are exclusive (SKIP LOCKED + lease), so any number of replicas
 * can run this side by side. Passes never overlap.
 */
export function startRecovery(options: RecoveryOptions): Recovery {
  const { saga, store, owner, leaseMs, intervalMs, batch, logger } = options;
  let running: Promise<number> | undefined;
  let stopped = false;

  /** Runs `work` for one order as the root span of a new trace (ids only when spans are not exported). */
  const traced = async <T>(
    name: string,
    order: OrderRecord,
    work: (call: CallContext) => Promise<T>,
  ): Promise<T> => {
    if (options.tracing === undefined) return work({});
    const span = options.tracing.start(name, {
      kind: 'internal',
      attributes: {
        'order.id': order.orderId,
        'order.state': order.state,
        ...(order.traceId ? { 'order.trace_id': order.traceId } : {}),
      },
    });
    try {
      const result = await span.run(() =>
        work({ trace: span.trace, logger: logger.child({ order_id: order.orderId }) }),
      );
      span.end();
      return result;
    } catch (error: unknown) {
      span.end(error);
      throw error;
    }
  };

  const announcePass = async (): Promise<number> => {
    const owed = await store.claimUnannounced(batch, options.announceRetryMs ?? 60_000);
    if (owed.length === 0) return 0;
    logger.info({ orders: owed.map((order) => order.orderId) }, 'announcing decided orders again');
    await Promise.allSettled(
      owed.map((order) => traced('announce order', order, (call) => saga.reannounce(order, call))),
    );
    return owed.length;
  };

  const pass = async (): Promise<number> => {
    if (options.ready && !options.ready()) return 0;
    return (await recoverPass()) + (await announcePass());
  };

  const recoverPass = async (): Promise<number> => {
    const claimed = await store.claimStale(owner, leaseMs, batch);
    if (claimed.length === 0) return 0;
    logger.info({ orders: claimed.map((order) => order.orderId) }, 'recovering unfinished orders');
    const results = await Promise.allSettled(
      claimed.map((order) => traced('recover order', order, (call) => saga.resume(order, call))),
    );
    results.forEach((result, index) => {
      const orderId = claimed[index]?.orderId;
      if (result.status === 'fulfilled') {
        logger.info(
          { order_id: orderId, status: result.value.status, state: result.value.state },
          'order recovered',
        );
      } else {
        logger.warn(
          { order_id: orderId, err: toMeshError(result.reason).message },
          'order recovery failed; will retry',
        );
      }
    });
    return claimed.length;
  };

  const runOnce = (): Promise<number> => {
    if (running) return running;
    running = pass()
      .catch((error: unknown) => {
        logger.warn({ err: toMeshError(error).message }, 'order recovery pass failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
