import type { Migration } from '@mesh/backends';
import type pg from 'pg';
import type { CartStore, StoredCart } from './cart-store.js';

/** The cart agent's table (migration set `cart-agent`, in business_db). */
export const CART_MIGRATIONS: readonly Migration[] = [
  {
    id: '001_carts',
    sql: `CREATE TABLE IF NOT EXISTS carts (
      user_id text PRIMARY KEY,
      rev bigint NOT NULL,
      cart jsonb NOT NULL,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS carts_expires_idx ON carts (expires_at);`,
  },
];

/** Expired rows are deleted at most this often per process (reads ignore them meanwhile). */
const SWEEP_EVERY_MS = 60_000;

/** Carts in PostgreSQL, for replicas sharing one database without Redis. */
export class PgCartStore implements CartStore {
  #lastSweep = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number = Date.now,
  ) {}

  async load(userId: string): Promise<StoredCart | undefined> {
    const result = await this.pool.query<{ cart: StoredCart }>(
      'SELECT cart FROM carts WHERE user_id = $1 AND expires_at > now()',
      [userId],
    );
    this.#maybeSweep();
    return result.rows[0]?.cart;
  }

  async save(userId: string, cart: StoredCart, expectedRev: number | null, ttlMs: number): Promise<boolean> {
    // Expiry is the database's clock (as the reads' `now()`), so replicas' clocks do not matter.
    const ttl = Math.max(1, Math.round(ttlMs));
    // A new cart may take the place of an expired row; otherwise the stored revision must be the one read.
    const result =
      expectedRev === null
        ? await this.pool.query(
            `INSERT INTO carts AS c (user_id, rev, cart, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
             ON CONFLICT (user_id) DO UPDATE SET rev = EXCLUDED.rev, cart = EXCLUDED.cart,
               expires_at = EXCLUDED.expires_at
             WHERE c.expires_at <= now()`,
            [userId, cart.rev, JSON.stringify(cart), ttl],
          )
        : await this.pool.query(
            `UPDATE carts SET rev = $2, cart = $3, expires_at = now() + $4 * interval '1 millisecond'
             WHERE user_id = $1 AND rev = $5 AND expires_at > now()`,
            [userId, cart.rev, JSON.stringify(cart), ttl, expectedRev],
          );
    return result.rowCount === 1;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {}

  #maybeSweep(): void {
    const now = this.now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    // Best effort: a failed sweep only leaves expired rows, which reads ignore.
    this.pool.query('DELETE FROM carts WHERE expires_at < now()').catch(() => undefined);
  }
}
