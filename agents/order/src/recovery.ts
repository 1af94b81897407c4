import { toMeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import type { OrderSaga } from './order-saga.js';
import type { OrderStore } from './order-store.js';

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
 * them: charged orders forward, earlier ones compensated. Claims are exclusive (SKIP LOCKED + lease), so any
 * number of replicas can run this side by side. Passes never overlap.
 */
export function startRecovery(options: RecoveryOptions): Recovery {
  const { saga, store, owner, leaseMs, intervalMs, batch, logger } = options;
  let running: Promise<number> | undefined;
  let stopped = false;

  const announcePass = async (): Promise<number> => {
    const owed = await store.claimUnannounced(batch, options.announceRetryMs ?? 60_000);
    if (owed.length === 0) return 0;
    logger.info({ orders: owed.map((order) => order.orderId) }, 'announcing decided orders again');
    await Promise.allSettled(owed.map((order) => saga.reannounce(order)));
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
    const results = await Promise.allSettled(claimed.map((order) => saga.resume(order)));
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
