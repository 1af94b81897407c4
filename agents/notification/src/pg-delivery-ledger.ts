import type { Migration } from '@mesh/backends';
import type pg from 'pg';
import type { ClaimResult, DeliveryLedger } from './delivery-ledger.js';

export const NOTIFICATION_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-notification-deliveries',
    sql: `CREATE TABLE IF NOT EXISTS notification_deliveries (
            key text PRIMARY KEY,
            state text NOT NULL CHECK (state IN ('sending', 'sent')),
            owner text NOT NULL,
            lease_until timestamptz NOT NULL,
            sent_at timestamptz);
          CREATE INDEX IF NOT EXISTS notification_deliveries_sent_at ON notification_deliveries (sent_at);`,
  },
];

/** The delivery ledger in PostgreSQL, shared by every replica and kept across restarts. */
export class PgDeliveryLedger implements DeliveryLedger {
  #lastSweep = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly retentionMs: number,
    /** Sent keys older than the retention are deleted at most this often. */
    private readonly sweepEveryMs = 3_600_000,
  ) {}

  async claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    this.#maybeSweep();
    // A new key is claimed; an expired 'sending' lease (its sender died) is taken over; anything else stays.
    const claimed = await this.pool.query(
      `INSERT INTO notification_deliveries AS d (key, state, owner, lease_until)
       VALUES ($1, 'sending', $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until
         WHERE d.state = 'sending' AND d.lease_until < now()
       RETURNING key`,
      [key, owner, leaseMs],
    );
    if ((claimed.rowCount ?? 0) > 0) return 'claimed';
    const current = await this.pool.query<{ state: string }>(
      'SELECT state FROM notification_deliveries WHERE key = $1',
      [key],
    );
    // Gone between the two statements (released): report busy, and the caller claims again.
    return current.rows[0]?.state === 'sent' ? 'sent' : 'busy';
  }

  async markSent(key: string, owner: string): Promise<void> {
    await this.pool.query(
      `UPDATE notification_deliveries SET state = 'sent', sent_at = now() WHERE key = $1 AND owner = $2`,
      [key, owner],
    );
  }

  async release(key: string, owner: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM notification_deliveries WHERE key = $1 AND owner = $2 AND state = 'sending'`,
      [key, owner],
    );
  }

  /** The pool belongs to the caller. */
  async close(): Promise<void> {}

  #maybeSweep(): void {
    const now = Date.now();
    if (now - this.#lastSweep < this.sweepEveryMs) return;
    this.#lastSweep = now;
    void this.pool
      .query(
        `DELETE FROM notification_deliveries
         WHERE state = 'sent' AND sent_at < now() - $1 * interval '1 millisecond'`,
        [this.retentionMs],
      )
      .catch(() => undefined);
  }
}
