import type { Migration } from '@mesh/backends';
import type pg from 'pg';
import type { ClaimResult, DeliveryLedger } from './delivery-ledger.js';
import { StatementBatcher } from './statement-batcher.js';

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

export interface PgDeliveryLedgerOptions {
  /** How long sent keys are kept. */
  retentionMs: number;
  /** Sent keys older than the retention are deleted at most this often (default one hour). */
  sweepEveryMs?: number;
  /**
   * How long a mark waits for the marks of other emails before its statement goes (see `NOTIFICATION_MARK_LINGER`);
   * 0: at the next turn of the event loop.
   */
  markLingerMs: number;
}

interface Claim {
  key: string;
  owner: string;
  leaseMs: number;
}

/**
 * The delivery ledger in PostgreSQL, shared by every replica and kept across restarts. Claims and marks made
 * in the same turn of the event loop (the emails of one batch call), or while the statement before is in
 * flight, go to the database as one statement each, not one per email. Marks also linger: the SMTP replies of
 * one batch's emails come back milliseconds apart, and nothing waits on a mark but the end of the call.
 */
export class PgDeliveryLedger implements DeliveryLedger {
  #lastSweep = 0;
  private readonly retentionMs: number;
  private readonly sweepEveryMs: number;
  readonly #claims = new StatementBatcher<Claim, ClaimResult>((claims) => this.#claimAll(claims));
  readonly #marks: StatementBatcher<Claim, void>;

  constructor(
    private readonly pool: pg.Pool,
    options: PgDeliveryLedgerOptions,
  ) {
    this.retentionMs = options.retentionMs;
    this.sweepEveryMs = options.sweepEveryMs ?? 3_600_000;
    this.#marks = new StatementBatcher((marks) => this.#markAll(marks), { lingerMs: options.markLingerMs });
  }

  claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    this.#maybeSweep();
    return this.#claims.add({ key, owner, leaseMs });
  }

  markSent(key: string, owner: string): Promise<void> {
    return this.#marks.add({ key, owner, leaseMs: 0 });
  }

  async release(key: string, owner: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM notification_deliveries WHERE key = $1 AND owner = $2 AND state = 'sending'`,
      [key, owner],
    );
  }

  /** The pool belongs to the caller. */
  async close(): Promise<void> {}

  /**
   * One statement claims every distinct key: a new key is claimed, an expired 'sending' lease (its sender died)
   * is taken over, anything else stays. A second claim of a key in the same batch finds it busy.
   */
  async #claimAll(claims: readonly Claim[]): Promise<ClaimResult[]> {
    const first = new Map<string, Claim>();
    for (const claim of claims) if (!first.has(claim.key)) first.set(claim.key, claim);
    const distinct = [...first.values()];
    const claimed = await this.pool.query<{ key: string }>(
      `INSERT INTO notification_deliveries AS d (key, state, owner, lease_until)
       SELECT k, 'sending', o, now() + l * interval '1 millisecond'
       FROM unnest($1::text[], $2::text[], $3::float8[]) AS t(k, o, l)
       ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until
         WHERE d.state = 'sending' AND d.lease_until < now()
       RETURNING key`,
      [distinct.map((c) => c.key), distinct.map((c) => c.owner), distinct.map((c) => c.leaseMs)],
    );
    const won = new Set(claimed.rows.map((row) => row.key));
    const others = distinct.filter((c) => !won.has(c.key)).map((c) => c.key);
    const sent = new Set<string>();
    if (others.length > 0) {
      const current = await this.pool.query<{ key: string }>(
        `SELECT key FROM notification_deliveries WHERE key = ANY($1) AND state = 'sent'`,
        [others],
      );
      for (const row of current.rows) sent.add(row.key);
    }
    // Gone between the two statements (released) reads as busy: the caller claims again.
    return claims.map((claim) => {
      if (sent.has(claim.key)) return 'sent';
      return won.has(claim.key) && first.get(claim.key) === claim ? 'claimed' : 'busy';
    });
  }

  async #markAll(marks: readonly Claim[]): Promise<void[]> {
    await this.pool.query(
      `UPDATE notification_deliveries d SET state = 'sent', sent_at = now()
       FROM unnest($1::text[], $2::text[]) AS t(k, o)
       WHERE d.key = t.k AND d.owner = t.o`,
      [marks.map((m) => m.key), marks.map((m) => m.owner)],
    );
    return marks.map(() => undefined);
  }

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
