import type pg from 'pg';
import { prepared, type Migration } from '@mesh/backends';
import {
  emptyTotals,
  type BatchResult,
  type OrderEventStore,
  type RejectedEvent,
  type WindowTotals,
} from './event-store.js';
import { eventKey, type OrderEvent } from './order-event.js';

/** The analytics agent's table in business_db. Never edit an applied migration; add one. */
export const ANALYTICS_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-order-events',
    sql: `CREATE TABLE IF NOT EXISTS order_events (
      id bigserial PRIMARY KEY,
      order_id text NOT NULL,
      type text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('created', 'completed', 'failed', 'compensated', 'other')),
      amount_cents bigint,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (order_id, type)
    );
    CREATE INDEX IF NOT EXISTS order_events_occurred_at_idx ON order_events (occurred_at);`,
  },
];

/** Rows per INSERT statement: bounds one statement's size and what one bad row makes us retry row by row. */
const ROWS_PER_STATEMENT = 5000;

/** Order events in PostgreSQL, written with multi-row INSERTs that skip duplicates. */
export class PgOrderEventStore implements OrderEventStore {
  constructor(private readonly pool: pg.Pool) {}

  async insertBatch(events: readonly OrderEvent[]): Promise<BatchResult> {
    let written = 0;
    const rejected: RejectedEvent[] = [];
    const existing: string[] = [];
    for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
      const chunk = events.slice(start, start + ROWS_PER_STATEMENT);
      try {
        written += await this.insertRows(chunk, existing);
      } catch (error: unknown) {
        if (!isRowError(error)) throw error;
        // One row the table cannot hold fails the whole statement: write row by row to isolate it.
        for (const event of chunk) {
          try {
            written += await this.insertRows([event], existing);
          } catch (rowError: unknown) {
            if (!isRowError(rowError)) throw rowError;
            rejected.push({ event, reason: (rowError as Error).message });
          }
        }
      }
    }
    return { written, rejected, existing };
  }

  /**
   * Inserts rows in one statement; pushes the keys of rows already stored onto `existing`. The rows travel as
   * one array per column, so the text is the same for every batch size and is prepared once per connection
   * (a VALUES list per row would be a new statement for each batch size).
   */
  private async insertRows(events: readonly OrderEvent[], existing: string[]): Promise<number> {
    const result = await this.pool.query<{ order_id: string; type: string }>(
      prepared(
        `INSERT INTO order_events (order_id, type, kind, amount_cents, occurred_at)
         SELECT order_id, type, kind, amount_cents, occurred_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
           AS e(order_id, type, kind, amount_cents, occurred_at)
         ON CONFLICT (order_id, type) DO NOTHING RETURNING order_id, type`,
        [
          events.map((event) => event.orderId),
          events.map((event) => event.type),
          events.map((event) => event.kind),
          events.map((event) => event.amountCents),
          events.map((event) => event.occurredAt),
        ],
      ),
    );
    const inserted = new Set(result.rows.map((row) => eventKey({ orderId: row.order_id, type: row.type })));
    for (const event of events) if (!inserted.has(eventKey(event))) existing.push(eventKey(event));
    return inserted.size;
  }

  async totals(since: Date): Promise<WindowTotals> {
    const result = await this.pool.query<{ kind: keyof WindowTotals; n: string; cents: string }>(
      `SELECT kind, count(*) AS n, coalesce(sum(amount_cents), 0) AS cents
       FROM order_events WHERE occurred_at >= $1 AND kind <> 'other' GROUP BY kind`,
      [since],
    );
    const totals = emptyTotals();
    for (const row of result.rows)
      totals[row.kind] = { count: Number(row.n), amountCents: Number(row.cents) };
    return totals;
  }

  async failedAndCompensated(since: Date): Promise<number> {
    const result = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM (
         SELECT order_id FROM order_events
         WHERE occurred_at >= $1 AND kind IN ('failed', 'compensated')
         GROUP BY order_id HAVING count(DISTINCT kind) = 2) AS both_kinds`,
      [since],
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async existing(events: readonly OrderEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const result = await this.pool.query<{ order_id: string; type: string }>(
      `SELECT e.order_id, e.type FROM order_events e
       JOIN unnest($1::text[], $2::text[]) AS k(order_id, type) ON e.order_id = k.order_id AND e.type = k.type`,
      [events.map((e) => e.orderId), events.map((e) => e.type)],
    );
    return new Set(result.rows.map((row) => eventKey({ orderId: row.order_id, type: row.type })));
  }
}

/**
 * A failure caused by a row's values (SQLSTATE class 22, data exception, or 23, integrity constraint), as
 * opposed to the database being unavailable: retrying such a row can never succeed.
 */
function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
