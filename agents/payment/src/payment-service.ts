import type { StandingCharge } from '@mesh/contracts';
import { MeshError, silentLogger, type Logger } from '@mesh/common';
import type { CallOptions, FoundCharge, GatewayClient } from './gateway-client.js';
import { fromCents, toCents } from './money.js';
import type { PaymentRecord, PaymentStore } from './payment-store.js';

export interface ProcessPaymentInput {
  order_id: string;
  user_id: string;
  /** Major units (e.g. 99.99), as the order's total. */
  amount: number;
  currency?: string | undefined;
  /** A gateway token; `tok_visa` when absent. */
  payment_method?: string | undefined;
  /** The caller placed the order in this call: no earlier decision or void can stand, so none is looked for. */
  first_attempt?: boolean | undefined;
}

export interface PaymentResult {
  status: 'succeeded' | 'declined';
  payment_id: string;
  amount: number;
  currency: string;
  decline_code?: string;
}

export interface RefundResult {
  status: 'refunded';
  /** null when nothing had been charged, so there was nothing to give back. */
  refund_id: string | null;
  amount: number;
}

/** A charge at the gateway with money still standing, as payment_standing_charges lists it. */
export type { StandingCharge };

export interface PaymentServiceOptions {
  store: PaymentStore;
  gateway: GatewayClient;
  defaultCurrency?: string;
  logger?: Logger;
}

const DEFAULT_TOKEN = 'tok_visa';

/** The refund idempotency key for an order: one refund per order, however often compensation retries. */
export function refundKey(orderId: string): string {
  return `refund-${orderId}`;
}

/**
 * Charges and refunds per order. The record in the store decides: a final outcome is returned as it was
 * first decided, a void refuses the charge; without one (or with a `pending` one an earlier version left) the
 * order is charged with its id as the idempotency key, so a retry after a crash or a timeout mid-charge makes
 * the gateway replay rather than charge twice, and the outcome is written once.
 */
export class PaymentService {
  private readonly logger: Logger;
  private readonly defaultCurrency: string;

  constructor(private readonly options: PaymentServiceOptions) {
    this.logger = options.logger ?? silentLogger();
    this.defaultCurrency = options.defaultCurrency ?? 'usd';
  }

  async process(
    input: ProcessPaymentInput,
    call: CallOptions = {},
    logger = this.logger,
  ): Promise<PaymentResult> {
    const amountCents = toCents(input.amount);
    const currency = (input.currency ?? this.defaultCurrency).toLowerCase();
    const payment = {
      orderId: input.order_id,
      userId: input.user_id,
      amountCents,
      currency,
      paymentMethod: input.payment_method ?? DEFAULT_TOKEN,
    };
    // A read, not a write, before the charge: the order agent's own write already says the order's payment is
    // pending, and the gateway replays a charge by its idempotency key, so a crash before the outcome's write
    // is finished by the next attempt without a record of the attempt here. A first attempt skips the read
    // too: were there a record after all (a retried call, a caller wrong about it), the charge is the
    // gateway's replay and the outcome's write meets the record, which decides (`settleRace`).
    const record = input.first_attempt === true ? undefined : await this.options.store.get(payment.orderId);
    if (record !== undefined) {
      refuseUnlessChargeable(record, amountCents, currency);
      if (record.status !== 'pending') {
        logger.debug(
          { order_id: input.order_id, status: record.status },
          'payment already decided; replaying',
        );
        return resultOf(record);
      }
    }
    const charged = await this.options.gateway.charge(
      {
        orderId: payment.orderId,
        userId: payment.userId,
        amountCents: payment.amountCents,
        currency: payment.currency,
        token: payment.paymentMethod,
        idempotencyKey: payment.orderId,
      },
      call,
    );
    const outcome =
      charged.status === 'succeeded'
        ? ({ status: 'succeeded', paymentId: charged.chargeId } as const)
        : ({
            status: 'declined',
            paymentId: charged.chargeId ?? `declined-${payment.orderId}`,
            declineCode: charged.declineCode,
          } as const);
    const recorded = await this.options.store.record(payment, outcome);
    if (recorded !== undefined) {
      logger.debug(
        { order_id: payment.orderId, status: outcome.status, payment_id: outcome.paymentId },
        'payment decided',
      );
      return resultOf(recorded);
    }
    return this.settleRace(
      payment.orderId,
      outcome.status === 'succeeded' ? outcome.paymentId : undefined,
      call,
      logger,
    );
  }

  async refund(
    orderId: string,
    amount: number | undefined,
    call: CallOptions = {},
    logger = this.logger,
  ): Promise<RefundResult> {
    const requestedCents = amount === undefined ? undefined : toCents(amount);
    let record = await this.options.store.get(orderId);
    if (record === undefined || record.status === 'pending' || record.status === 'voided') {
      // No local proof either way (no record: it may have been lost; pending: a crash or timeout mid-charge;
      // voided: a charge may have landed after the void). The gateway, asked by the order id every charge
      // carries, decides before anything is voided.
      const charge = await this.options.gateway.findSucceededCharge(orderId, call);
      if (charge === undefined) {
        if (record?.status !== 'voided') record = await this.options.store.void(orderId);
        if (record.status === 'voided') {
          logger.info({ order_id: orderId }, 'nothing charged for order; voided so it is never charged');
          return { status: 'refunded', refund_id: null, amount: 0 };
        }
      } else if (record?.status === 'pending') {
        record =
          (await this.options.store.complete(orderId, { status: 'succeeded', paymentId: charge.chargeId })) ??
          (await this.options.store.get(orderId));
      } else {
        return this.refundUnrecorded(orderId, record, charge, requestedCents, call, logger);
      }
    }
    if (record === undefined) throw new MeshError('INTERNAL', `payment record for ${orderId} vanished`);
    if (record.status === 'refunded')
      return { status: 'refunded', refund_id: record.refundId, amount: fromCents(record.refundedCents) };
    if (record.status !== 'succeeded' || record.paymentId === null) {
      return { status: 'refunded', refund_id: null, amount: 0 };
    }
    const refund = await this.options.gateway.refund(
      record.paymentId,
      requestedCents,
      refundKey(orderId),
      call,
    );
    const updated = await this.options.store.markRefunded(orderId, refund.refundId, refund.amountCents);
    logger.info(
      { order_id: orderId, refund_id: refund.refundId, amount_cents: refund.amountCents },
      'payment refunded',
    );
    const final = updated ?? record;
    return {
      status: 'refunded',
      refund_id: final.refundId ?? refund.refundId,
      amount: fromCents(refund.amountCents),
    };
  }

  /**
   * Succeeded charges at the gateway not fully refunded, created since `createdSince` (epoch seconds): what a
   * reconciliation pass compares with the orders' outcomes.
   */
  async standingCharges(
    createdSince: number,
    max: number,
    call: CallOptions = {},
  ): Promise<{ charges: StandingCharge[]; truncated: boolean }> {
    const listed = await this.options.gateway.listStandingCharges(createdSince, max, call);
    return {
      truncated: listed.truncated,
      charges: listed.charges
        .filter((c) => c.orderId !== undefined)
        .map((c) => ({
          order_id: c.orderId!,
          payment_id: c.chargeId,
          amount: fromCents(c.amountCents - c.amountRefundedCents),
          currency: c.currency,
          created: c.created,
        })),
    };
  }

  /**
   * Money the gateway holds for an order this store has no succeeded record of (the record was lost, or a
   * void came first): it goes back, and the record says so, so a later refund is a replay.
   */
  private async refundUnrecorded(
    orderId: string,
    record: PaymentRecord | undefined,
    charge: FoundCharge,
    requestedCents: number | undefined,
    call: CallOptions,
    logger: Logger,
  ): Promise<RefundResult> {
    logger.warn(
      { order_id: orderId, payment_id: charge.chargeId, local_status: record?.status ?? 'none' },
      'gateway holds a charge this agent had no record of; refunding it',
    );
    let refundId: string | null = null;
    let refundedCents = charge.amountRefundedCents;
    if (charge.amountRefundedCents < charge.amountCents) {
      const refund = await this.options.gateway.refund(
        charge.chargeId,
        requestedCents,
        refundKey(orderId),
        call,
      );
      refundId = refund.refundId;
      refundedCents = charge.amountRefundedCents + refund.amountCents;
    }
    const saved = await this.options.store.recordGatewayRefund({
      orderId,
      userId: record?.userId || charge.userId || '',
      amountCents: charge.amountCents,
      currency: charge.currency,
      paymentId: charge.chargeId,
      refundId,
      refundedCents,
    });
    return {
      status: 'refunded',
      refund_id: saved.refundId ?? refundId,
      amount: fromCents(refundedCents - charge.amountRefundedCents),
    };
  }

  /**
   * The order's record held a decision or a void when the charge returned: either another attempt decided it
   * first (same idempotency key, so the same charge) or a refund voided it meanwhile. Money taken after a void
   * goes straight back, and the caller learns the order will not be charged.
   */
  private async settleRace(
    orderId: string,
    chargeId: string | undefined,
    call: CallOptions,
    logger: Logger,
  ): Promise<PaymentResult> {
    const current = await this.options.store.get(orderId);
    if (current !== undefined && current.status !== 'voided' && current.status !== 'pending')
      return resultOf(current);
    if (chargeId !== undefined) {
      logger.warn(
        { order_id: orderId, payment_id: chargeId },
        'charge landed after the order was voided; refunding it',
      );
      await this.options.gateway.refund(chargeId, undefined, refundKey(orderId), call);
    }
    throw new MeshError('CONFLICT', `payment for order ${orderId} was voided while charging`, {
      data: { order_id: orderId, reason: 'voided' },
    });
  }
}

/** An order voided by a refund, or already paid with another amount, is not charged (CONFLICT). */
function refuseUnlessChargeable(record: PaymentRecord, amountCents: number, currency: string): void {
  if (record.status === 'voided') {
    throw new MeshError(
      'CONFLICT',
      `payment for order ${record.orderId} was voided by a refund; it will not be charged`,
      { data: { order_id: record.orderId, reason: 'voided' } },
    );
  }
  if (record.amountCents !== amountCents || record.currency !== currency) {
    throw new MeshError(
      'CONFLICT',
      `order ${record.orderId} already has a payment of ${fromCents(record.amountCents)} ${record.currency}`,
      {
        data: {
          order_id: record.orderId,
          amount: fromCents(record.amountCents),
          currency: record.currency,
        },
      },
    );
  }
}

function resultOf(record: PaymentRecord): PaymentResult {
  const result: PaymentResult = {
    status: record.status === 'declined' ? 'declined' : 'succeeded',
    payment_id: record.paymentId ?? `declined-${record.orderId}`,
    amount: fromCents(record.amountCents),
    currency: record.currency,
  };
  if (record.status === 'declined') result.decline_code = record.declineCode ?? 'card_declined';
  return result;
}
