import type { EventBus } from '@mesh/backends';
import { MeshError, type Logger } from '@mesh/common';
import { z } from 'zod';
import { PermanentFailure, type EmailChannel } from './channels.js';
import type { NotificationMetrics } from './metrics.js';
import { sendOnce, stableMessageId, type SendOnceOptions } from './send-once.js';

/** The part of an `orders.completed` event this consumer reads (the order agent's OrderEventPayload). */
const completedOrder = z.object({
  order_id: z.string().min(1).max(200),
  confirmation: z
    .object({
      to: z.email(),
      subject: z.string().min(1).max(500),
      body: z.string().max(100_000),
    })
    .optional(),
});

/** The idempotency key of an order's confirmation email: the order agent's direct call uses the same. */
export function confirmationKey(orderId: string): string {
  return `order-confirmation:${orderId}`;
}

export interface OrderEmailConsumerOptions {
  email: EmailChannel;
  metrics: NotificationMetrics;
  once: SendOnceOptions;
  logger: Logger;
}

/**
 * Sends each completed order's confirmation email from the `orders.completed` events on the bus (the seed's
 * email-sender). Replicas share the queue (competing consumers) and the delivery ledger, so each order gets
 * one email even when the broker redelivers, a replica dies mid-send, or the order agent also called us
 * directly. The message is acked only after the SMTP server accepted the email; a refused recipient or a
 * malformed event goes to the dead-letter queue at once, a server that is down is retried by the bus.
 */
export async function consumeOrderEmails(
  bus: EventBus,
  queue: string,
  options: OrderEmailConsumerOptions,
): Promise<void> {
  await bus.subscribe('orders.completed', queue, async (payload) => {
    const parsed = completedOrder.safeParse(payload);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') ?? 'event';
      throw new MeshError('VALIDATION_FAILED', `orders.completed event: invalid ${field}`);
    }
    const { order_id: orderId, confirmation } = parsed.data;
    // The user has no address: nothing to send, the event is done.
    if (confirmation === undefined) return;
    const key = confirmationKey(orderId);
    const outcome = await sendOnce(
      key,
      async () => {
        try {
          await options.email.send({
            messageId: stableMessageId(key),
            to: confirmation.to,
            subject: confirmation.subject,
            text: confirmation.body,
            orderId,
          });
        } catch (error: unknown) {
          options.metrics.retries.inc({ channel: 'email' });
          // Retrying cannot fix a refused recipient: straight to the dead-letter queue.
          if (error instanceof PermanentFailure) throw Object.assign(error, { permanent: true });
          throw error;
        }
      },
      options.once,
    );
    options.metrics.count('email', outcome === 'sent' ? 'delivered' : 'duplicate');
    options.logger.info({ order_id: orderId, outcome }, 'order confirmation email from event');
    return outcome === 'duplicate' ? 'duplicate' : undefined;
  });
  options.logger.info({ topic: 'orders.completed', queue }, 'consuming order events for confirmation emails');
}
