import { prepared, type Migration } from '@mesh/backends';
import type pg from 'pg';
import type {
  ChargeOutcome,
  GatewayRefund,
  NewPayment,
  PaymentRecord,
  PaymentStatus,
  PaymentStore,
} from './payment-store.js';

/** The payment agent's own table in business_db. Never edit an applied migration; add one. */
export const PAYMENT_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-payments',
    sql: `CREATE TABLE IF NOT EXISTS payments (
      order_id text PRIMARY KEY,
      user_id text NOT NULL,
      amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
      currency text NOT NULL,
      payment_method text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'declined', 'refunded', 'voided')),
      payment_id text,
      decline_code text,
      refund_id text,
      refunded_cents bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS payments_status_idx ON payments (status) WHERE status = 'pending';`,
  },
];

interface Row {
  order_id: string;
  user_id: string;
  amount_cents: string;
  currency: string;
  payment_method: string;
  status: PaymentStatus;
  payment_id: string | null;
  decline_code: string | null;
  refund_id: string | null;
  refunded_cents: string;
  attempts: number;
}

const COLUMNS =
  'order_id, user_id, amount_cents, currency, payment_method, status, payment_id, decline_code, refund_id, refunded_cents, attempts';

function toRecord(row: Row): PaymentRecord {
  return {
    orderId: row.order_id,
    userId: row.user_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    paymentMethod: row.payment_method,
    status: row.status,
    paymentId: row.payment_id,
    declineCode: row.decline_code,
    refundId: row.refund_id,
    refundedCents: Number(row.refunded_cents),
    attempts: row.attempts,
  };
}

/** Payment records in PostgreSQL; every transition is one conditional statement, so replicas never race. */
export class PgPaymentStore implements PaymentStore {
  constructor(private readonly pool: pg.Pool) {}

  async get(orderId: string): Promise<PaymentRecord | undefined> {
    const result = await this.pool.query<Row>(
      prepared(`SELECT ${COLUMNS} FROM payments WHERE order_id = $1`, [orderId]),
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async record(payment: NewPayment, outcome: ChargeOutcome): Promise<PaymentRecord | undefined> {
    const result = await this.pool.query<Row>(
      prepared(
        `INSERT INTO payments (order_id, user_id, amount_cents, currency, payment_method, status, payment_id,
           decline_code, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
       ON CONFLICT (order_id) DO UPDATE SET
         status = EXCLUDED.status, payment_id = EXCLUDED.payment_id, decline_code = EXCLUDED.decline_code,
         updated_at = now()
       WHERE payments.status = 'pending'
       RETURNING ${COLUMNS}`,
        [
          payment.orderId,
          payment.userId,
          payment.amountCents,
          payment.currency,
          payment.paymentMethod,
          outcome.status,
          outcome.paymentId,
          outcome.status === 'declined' ? outcome.declineCode : null,
        ],
      ),
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async complete(orderId: string, outcome: ChargeOutcome): Promise<PaymentRecord | undefined> {
    const result = await this.pool.query<Row>(
      prepared(
        `UPDATE payments SET status = $2, payment_id = $3, decline_code = $4, updated_at = now()
       WHERE order_id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
        [
          orderId,
          outcome.status,
          outcome.paymentId,
          outcome.status === 'declined' ? outcome.declineCode : null,
        ],
      ),
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async markRefunded(
    orderId: string,
    refundId: string,
    refundedCents: number,
  ): Promise<PaymentRecord | undefined> {
    const result = await this.pool.query<Row>(
      prepared(
        `UPDATE payments SET status = 'refunded', refund_id = $2, refunded_cents = $3, updated_at = now()
       WHERE order_id = $1 AND status = 'succeeded' RETURNING ${COLUMNS}`,
        [orderId, refundId, refundedCents],
      ),
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async void(orderId: string): Promise<PaymentRecord> {
    const result = await this.pool.query<Row>(
      prepared(
        `INSERT INTO payments (order_id, user_id, amount_cents, currency, payment_method, status, attempts)
       VALUES ($1, '', 0, '', '', 'voided', 0)
       ON CONFLICT (order_id) DO UPDATE SET
         status = CASE WHEN payments.status = 'pending' THEN 'voided' ELSE payments.status END,
         updated_at = now()
       RETURNING ${COLUMNS}`,
        [orderId],
      ),
    );
    return toRecord(result.rows[0]!);
  }

  async recordGatewayRefund(refund: GatewayRefund): Promise<PaymentRecord> {
    const result = await this.pool.query<Row>(
      prepared(
        `INSERT INTO payments (order_id, user_id, amount_cents, currency, payment_method, status, payment_id,
           refund_id, refunded_cents, attempts)
       VALUES ($1, $2, $3, $4, '', 'refunded', $5, $6, $7, 0)
       ON CONFLICT (order_id) DO UPDATE SET
         status = 'refunded', payment_id = EXCLUDED.payment_id, refund_id = EXCLUDED.refund_id,
         refunded_cents = EXCLUDED.refunded_cents, amount_cents = EXCLUDED.amount_cents,
         currency = EXCLUDED.currency, updated_at = now()
       WHERE payments.status <> 'refunded'
       RETURNING ${COLUMNS}`,
        [
          refund.orderId,
          refund.userId,
          refund.amountCents,
          refund.currency,
          refund.paymentId,
          refund.refundId,
          refund.refundedCents,
        ],
      ),
    );
    const row = result.rows[0];
    if (row !== undefined) return toRecord(row);
    const current = await this.get(refund.orderId);
    if (current === undefined) throw new Error(`payment record for ${refund.orderId} vanished`);
    return current;
  }
}
