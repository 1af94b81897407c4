import { isMeshError, toMeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import type { Announcements } from './announcements.js';
import type { OrderRecord, OrderStore } from './order-store.js';
import type { CallContext, SagaSettings } from './order-saga.js';
import type {
  ConfirmationEmail,
  EventRoute,
  OrderEventPayload,
  SagaPorts,
  StepOptions,
} from './saga-ports.js';
import type { OrderError } from './schemas.js';

/** How soon recovery retries a compensation that could not finish (a dependency was down). */
const RETRY_COMPENSATION_MS = 2_000;

/**
 * Undoes an order's side effects: refunds (or voids) the charge, then returns the reservation to stock. The
 * decision to fail is persisted first (`compensating`), so a crash in between is finished by recovery, and
 * every step is safe to repeat.
 */
export class Compensator {
  constructor(
    private readonly store: OrderStore,
    private readonly ports: SagaPorts,
    private readonly owner: string,
    private readonly settings: SagaSettings,
    private readonly logger: Logger,
    private readonly announcements: Announcements,
  ) {}

  /**
   * Moves the order to `compensating` (recording why) and undoes what may have happened. Returns the order as
   * far as it got: `compensated`, or still `compensating` with its lease handed back for recovery to retry.
   */
  async run(
    order: OrderRecord,
    failure: OrderError,
    call: CallContext,
    payment?: 'declined',
  ): Promise<OrderRecord> {
    const id = order.orderId;
    const logger = (call.logger ?? this.logger).child({ order_id: id });
    let current =
      order.state === 'compensating'
        ? order
        : await this.store.transition(id, this.owner, 'compensating', {
            error: failure,
            ...(payment === 'declined' ? { paymentStatus: 'declined' as const } : {}),
          });
    const deadline = Date.now() + this.settings.compensationTimeoutMs;
    const options = (): StepOptions => ({
      timeoutMs: Math.max(1, Math.min(this.settings.stepTimeoutMs * 2, deadline - Date.now())),
      trace: call.trace,
    });
    try {
      if (current.paymentStatus === 'pending' || current.paymentStatus === 'succeeded') {
        await this.ports.refund(id, options());
        current = await this.store.transition(id, this.owner, 'compensating', { paymentStatus: 'refunded' });
      }
      const reservationId = current.reservationId ?? (await this.findReservation(current, options()));
      if (reservationId) {
        await this.ports.release(reservationId, options()).catch((e: unknown) => {
          // Released or expired already is fine; committed would mean stock was sold for a refunded order.
          if (!isMeshError(e, 'CONFLICT')) throw e;
          logger.error(
            { reservation_id: reservationId, err: e.message },
            'reservation could not be released',
          );
        });
      }
      current = await this.store.transition(id, this.owner, 'compensated');
      logger.info({ code: failure.code }, 'order compensated');
      this.announce(current, call);
    } catch (raw: unknown) {
      const error = toMeshError(raw);
      if (error.code === 'LEASE_LOST' || error.code === 'STORAGE_ERROR') throw error;
      logger.warn({ code: error.code, err: error.message }, 'compensation incomplete; recovery will retry');
      await this.store.release(id, this.owner, RETRY_COMPENSATION_MS).catch(() => undefined);
    }
    return current;
  }

  /**
   * A reserve call that timed out may still have reserved. Reserving is idempotent per order id, so asking
   * again returns that reservation (or makes one, released right after): either way nothing stays held.
   */
  private async findReservation(order: OrderRecord, options: StepOptions): Promise<string | null> {
    try {
      const reservation = await this.ports.reserve(
        order.orderId,
        order.items,
        this.settings.reservationTtlSeconds,
        options,
      );
      return reservation.reservation_id;
    } catch (error: unknown) {
      if (isMeshError(error, 'OUT_OF_STOCK')) return null;
      throw error;
    }
  }

  /** Fire-and-forget failure event (non-critical): announceNow in the background. */
  announce(order: OrderRecord, call: CallContext): void {
    void this.announceNow(order, call);
  }

  /** The failure event of a failed or compensated order; marked announced once it went somewhere. */
  async announceNow(order: OrderRecord, call: CallContext): Promise<void> {
    const type = order.state === 'compensated' ? 'orders.compensated' : 'orders.failed';
    try {
      await this.event(order, type, { timeoutMs: this.settings.notifyTimeoutMs, trace: call.trace });
      this.announcements.done(order.orderId);
    } catch (error: unknown) {
      this.logger.debug(
        { order_id: order.orderId, err: toMeshError(error).message },
        'order event not recorded; recovery will announce it again',
      );
    }
  }

  /** Records an order event (bus, else the analytics agent) and says which way it went. */
  event(order: OrderRecord, type: string, options: StepOptions): Promise<EventRoute> {
    return this.ports.recordEvent(orderEvent(order, type), options);
  }
}

/** The event of an order at its current state; a completed order's event carries its confirmation email. */
export function orderEvent(order: OrderRecord, type: string): OrderEventPayload {
  const event: OrderEventPayload = {
    type,
    order_id: order.orderId,
    user_id: order.userId,
    amount: order.total,
    currency: order.currency,
    items: order.items,
    payment_id: order.paymentId,
    occurred_at: new Date().toISOString(),
  };
  if (type === 'orders.completed' && order.userEmail) event.confirmation = confirmationEmail(order);
  if (order.error) event.error_code = order.error.code;
  return event;
}

/** The confirmation email of a completed order whose user has an address. */
export function confirmationEmail(order: OrderRecord): ConfirmationEmail {
  const lines = order.items.map((item) => `  ${item.quantity} x ${item.sku}`);
  return {
    to: order.userEmail ?? '',
    subject: `Order ${order.orderId} confirmed`,
    body: [
      'Your order has been processed successfully.',
      '',
      `Order: ${order.orderId}`,
      ...lines,
      `Total: ${order.total.toFixed(2)} ${order.currency.toUpperCase()}`,
      order.paymentId ? `Payment: ${order.paymentId}` : 'Payment: none (free order)',
    ].join('\n'),
  };
}
