import { OutboundBatcher, toMeshError, type Logger } from '@mesh/common';
import type { OrderStore } from './order-store.js';

/**
 * Marks orders whose announcement (event, confirmation email) went out, in batches: one UPDATE for many
 * orders instead of a write per order. A mark that is lost (a crash, a failed write) only means recovery
 * announces the order again, which the consumers recognise as a duplicate.
 */
export class Announcements {
  private readonly batcher: OutboundBatcher<string, void>;

  constructor(
    store: Pick<OrderStore, 'markAnnounced'>,
    private readonly logger: Logger,
  ) {
    this.batcher = new OutboundBatcher({
      name: 'announced orders',
      maxBatch: 500,
      maxDelayMs: 100,
      maxQueued: 100_000,
      send: async (orderIds) => {
        await store.markAnnounced(orderIds);
        return orderIds.map(() => undefined);
      },
    });
  }

  /** The order's announcement went out. */
  done(orderId: string): void {
    this.batcher.add(orderId).catch((error: unknown) => {
      this.logger.debug(
        { order_id: orderId, err: toMeshError(error).message },
        'announcement not marked; recovery will announce the order again',
      );
    });
  }

  /** Writes the marks that wait (graceful shutdown, tests). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }
}
