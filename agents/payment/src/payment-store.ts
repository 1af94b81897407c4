/**
 * Where a payment stands. Only `pending` moves on; every other status is final for payment_process. This agent
 * writes no `pending` record of its own any more (it records a charge's outcome once, after the charge); rows
 * written `pending` by earlier versions, a crash or a timeout mid-charge, are still finished as before.
 */
export type PaymentStatus = 'pending' | 'succeeded' | 'declined' | 'refunded' | 'voided';

/** One order's payment as the agent remembers it (amounts in integer cents). */
export interface PaymentRecord {
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  paymentMethod: string;
  status: PaymentStatus;
  paymentId: string | null;
  declineCode: string | null;
  refundId: string | null;
  refundedCents: number;
  attempts: number;
}

export interface NewPayment {
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  paymentMethod: string;
}

export type ChargeOutcome =
  { status: 'succeeded'; paymentId: string } | { status: 'declined'; paymentId: string; declineCode: string };

/**
 * The payment record per order. It makes `payment_process` idempotent across retries, replicas and
 * restarts: the first final outcome wins and is returned to every later call for the same order.
 */
export interface PaymentStore {
  get(orderId: string): Promise<PaymentRecord | undefined>;
  /**
   * Writes a charge's outcome: a new record, or a `pending` one moved to it. Undefined when the order's record
   * already holds a decision or a void (another attempt, or a refund, came first).
   */
  record(payment: NewPayment, outcome: ChargeOutcome): Promise<PaymentRecord | undefined>;
  /** Moves a pending record to its outcome; undefined when it was no longer pending (e.g. voided meanwhile). */
  complete(orderId: string, outcome: ChargeOutcome): Promise<PaymentRecord | undefined>;
  /** Marks a succeeded payment refunded; undefined when it was not in `succeeded`. */
  markRefunded(orderId: string, refundId: string, refundedCents: number): Promise<PaymentRecord | undefined>;
  /**
   * Voids an order that has no charge: a tombstone when no record exists, or a pending record moved to
   * `voided`. A later payment_process for the order is then refused instead of charging. Returns the record.
   */
  void(orderId: string): Promise<PaymentRecord>;
  /**
   * Records a refund of a charge the gateway holds but this store did not know as succeeded (no record, a
   * pending one, or a void that came before the charge landed): the record ends `refunded`. Returns it.
   */
  recordGatewayRefund(refund: GatewayRefund): Promise<PaymentRecord>;
}

/** A refund of a charge found at the gateway, to be written down (amounts in cents). */
export interface GatewayRefund {
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  paymentId: string;
  refundId: string | null;
  refundedCents: number;
}

/** In-process store for unit tests and for running without PostgreSQL (nothing survives a restart). */
export class MemoryPaymentStore implements PaymentStore {
  private readonly records = new Map<string, PaymentRecord>();

  async get(orderId: string): Promise<PaymentRecord | undefined> {
    const record = this.records.get(orderId);
    return record === undefined ? undefined : { ...record };
  }

  async record(payment: NewPayment, outcome: ChargeOutcome): Promise<PaymentRecord | undefined> {
    if (this.records.has(payment.orderId)) return this.complete(payment.orderId, outcome);
    const record: PaymentRecord = {
      ...payment,
      status: outcome.status,
      paymentId: outcome.paymentId,
      declineCode: outcome.status === 'declined' ? outcome.declineCode : null,
      refundId: null,
      refundedCents: 0,
      attempts: 1,
    };
    this.records.set(payment.orderId, record);
    return { ...record };
  }

  async complete(orderId: string, outcome: ChargeOutcome): Promise<PaymentRecord | undefined> {
    const record = this.records.get(orderId);
    if (record?.status !== 'pending') return undefined;
    record.status = outcome.status;
    record.paymentId = outcome.paymentId;
    record.declineCode = outcome.status === 'declined' ? outcome.declineCode : null;
    return { ...record };
  }

  async markRefunded(
    orderId: string,
    refundId: string,
    refundedCents: number,
  ): Promise<PaymentRecord | undefined> {
    const record = this.records.get(orderId);
    if (record?.status !== 'succeeded') return undefined;
    record.status = 'refunded';
    record.refundId = refundId;
    record.refundedCents = refundedCents;
    return { ...record };
  }

  async void(orderId: string): Promise<PaymentRecord> {
    const record = this.records.get(orderId);
    if (record === undefined) {
      const tombstone: PaymentRecord = {
        orderId,
        userId: '',
        amountCents: 0,
        currency: '',
        paymentMethod: '',
        status: 'voided',
        paymentId: null,
        declineCode: null,
        refundId: null,
        refundedCents: 0,
        attempts: 0,
      };
      this.records.set(orderId, tombstone);
      return { ...tombstone };
    }
    if (record.status === 'pending') record.status = 'voided';
    return { ...record };
  }

  async recordGatewayRefund(refund: GatewayRefund): Promise<PaymentRecord> {
    const existing = this.records.get(refund.orderId);
    if (existing !== undefined && existing.status === 'refunded') return { ...existing };
    const record: PaymentRecord = {
      orderId: refund.orderId,
      userId: existing?.userId || refund.userId,
      amountCents: refund.amountCents,
      currency: refund.currency,
      paymentMethod: existing?.paymentMethod ?? '',
      status: 'refunded',
      paymentId: refund.paymentId,
      declineCode: null,
      refundId: refund.refundId,
      refundedCents: refund.refundedCents,
      attempts: existing?.attempts ?? 0,
    };
    this.records.set(refund.orderId, record);
    return { ...record };
  }
}
