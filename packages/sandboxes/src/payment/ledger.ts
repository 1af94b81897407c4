import { randomView } from './random-pool.js';

/** A charge as the sandbox reports it: a subset of Stripe's charge object. */
export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_refunded: number;
  currency: string;
  status: 'succeeded' | 'failed';
  paid: boolean;
  captured: boolean;
  refunded: boolean;
  created: number;
  description: string | null;
  metadata: Record<string, string>;
  failure_code: string | null;
  failure_message: string | null;
  outcome: { type: 'authorized' | 'issuer_declined'; seller_message: string; decline_code?: string };
  source: { object: 'card'; brand: string; last4: string; token: string };
}

/** A refund: a subset of Stripe's refund object. */
export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  currency: string;
  status: 'succeeded';
  created: number;
  metadata: Record<string, string>;
}

/** Totals for conservation checks: money in, money back, and orders charged more than once. */
export interface LedgerSummary {
  charges: { total: number; succeeded: number; failed: number; amount_succeeded: number };
  refunds: { total: number; amount: number };
  net_amount: number;
  /** Order ids (metadata.order_id) with more than one succeeded charge: a double charge. */
  orders_charged_more_than_once: string[];
  /** Records dropped because the ledger reached its bound (totals above still count them). */
  evicted: number;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A Stripe-looking id such as `ch_3PqR…`. */
export function newId(prefix: string): string {
  const bytes = randomView(24);
  let id = '';
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${prefix}_${id}`;
}

/**
 * The sandbox's books, in memory only (a restart forgets them: it is a sandbox). Bounded: past `maxRecords`
 * the oldest charges and refunds are dropped from listings, while the running totals keep counting them.
 */
export class Ledger {
  private readonly charges = new Map<string, Charge>();
  private readonly refunds = new Map<string, Refund>();
  private readonly maxRecords: number;
  private readonly totals = {
    charges: 0,
    succeeded: 0,
    failed: 0,
    amountSucceeded: 0,
    refunds: 0,
    amountRefunded: 0,
    evicted: 0,
  };
  private readonly succeededPerOrder = new Map<string, number>();

  constructor(maxRecords = 100_000) {
    this.maxRecords = maxRecords;
  }

  addCharge(charge: Charge): void {
    this.charges.set(charge.id, charge);
    this.totals.charges += 1;
    if (charge.status === 'succeeded') {
      this.totals.succeeded += 1;
      this.totals.amountSucceeded += charge.amount;
      const orderId = charge.metadata['order_id'];
      if (orderId !== undefined) {
        this.succeededPerOrder.set(orderId, (this.succeededPerOrder.get(orderId) ?? 0) + 1);
      }
    } else {
      this.totals.failed += 1;
    }
    this.evict(this.charges);
  }

  addRefund(refund: Refund, charge: Charge): void {
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += refund.amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    this.totals.refunds += 1;
    this.totals.amountRefunded += refund.amount;
    this.evict(this.refunds);
  }

  getCharge(id: string): Charge | undefined {
    return this.charges.get(id);
  }

  getRefund(id: string): Refund | undefined {
    return this.refunds.get(id);
  }

  /** Newest first, as Stripe lists. */
  listCharges(filter: (charge: Charge) => boolean = () => true): Charge[] {
    return [...this.charges.values()].filter(filter).reverse();
  }

  listRefunds(filter: (refund: Refund) => boolean = () => true): Refund[] {
    return [...this.refunds.values()].filter(filter).reverse();
  }

  summary(): LedgerSummary {
    const doubled = [...this.succeededPerOrder].filter(([, count]) => count > 1).map(([orderId]) => orderId);
    return {
      charges: {
        total: this.totals.charges,
        succeeded: this.totals.succeeded,
        failed: this.totals.failed,
        amount_succeeded: this.totals.amountSucceeded,
      },
      refunds: { total: this.totals.refunds, amount: this.totals.amountRefunded },
      net_amount: this.totals.amountSucceeded - this.totals.amountRefunded,
      orders_charged_more_than_once: doubled,
      evicted: this.totals.evicted,
    };
  }

  private evict<T>(records: Map<string, T>): void {
    while (records.size > this.maxRecords) {
      const oldest = records.keys().next();
      if (oldest.done === true) return;
      records.delete(oldest.value);
      this.totals.evicted += 1;
    }
  }
}
