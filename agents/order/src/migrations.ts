import type { Migration } from '@mesh/backends';

/** The order agent's schema (migration set `order-agent`, in business_db unless configured otherwise). */
export const ORDER_MIGRATIONS: readonly Migration[] = [
  {
    id: '001_orders',
    sql: `CREATE TABLE IF NOT EXISTS orders (
      order_id text PRIMARY KEY,
      request_hash text NOT NULL,
      user_id text NOT NULL,
      items jsonb NOT NULL,
      total numeric(12, 2) NOT NULL CHECK (total >= 0),
      currency text NOT NULL,
      payment_method text,
      state text NOT NULL CHECK (state IN ('received', 'user_validated', 'reserved', 'charged', 'committed',
        'completed', 'failed', 'compensating', 'compensated')),
      user_email text,
      user_phone text,
      reservation_id text,
      payment_id text,
      payment_status text NOT NULL DEFAULT 'none'
        CHECK (payment_status IN ('none', 'pending', 'succeeded', 'declined', 'refunded')),
      error_code text,
      error_message text,
      lease_owner text,
      lease_until timestamptz,
      attempts integer NOT NULL DEFAULT 1,
      trace_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS orders_open_lease_idx ON orders (lease_until)
      WHERE state NOT IN ('completed', 'failed', 'compensated');
    CREATE INDEX IF NOT EXISTS orders_user_idx ON orders (user_id, created_at DESC);`,
  },
  {
    id: '002_order_announcements',
    sql: `ALTER TABLE orders ADD COLUMN IF NOT EXISTS announce_due timestamptz;
    CREATE INDEX IF NOT EXISTS orders_announce_due_idx ON orders (announce_due) WHERE announce_due IS NOT NULL;`,
  },
];
