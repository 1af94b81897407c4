import { MeshError } from '@mesh/common';
import { prepared } from '@mesh/backends';
import type pg from 'pg';
import {
  ORDER_STATES,
  canTransition,
  isTerminal,
  type OrderState,
  type PaymentStatus,
} from './order-state.js';
import { ANNOUNCE_GRACE_MS } from './order-store.js';
import type { FixedAtCreate, NewOrder, OrderPatch, OrderRecord, OrderStore } from './order-store.js';
import type { OrderItem } from './schemas.js';

interface OrderRow {
  order_id: string;
  request_hash: string;
  user_id: string;
  items: OrderItem[];
  total: string;
  currency: string;
  payment_method: string | null;
  state: OrderState;
  user_email: string | null;
  user_phone: string | null;
  reservation_id: string | null;
  payment_id: string | null;
  payment_status: PaymentStatus;
  error_code: string | null;
  error_message: string | null;
  lease_owner: string | null;
  lease_until: Date | null;
  attempts: number;
  trace_id: string | null;
  announce_due: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `order_id, request_hash, user_id, items, total, currency, payment_method, state, user_email,
  user_phone, reservation_id, payment_id, payment_status, error_code, error_message, lease_owner, lease_until,
  attempts, trace_id, announce_due, created_at, updated_at`;

/** The columns of `FIXED_AT_CREATE`: a transition given the order it moves need not read them back. */
type FixedColumn =
  | 'order_id'
  | 'request_hash'
  | 'user_id'
  | 'items'
  | 'total'
  | 'currency'
  | 'payment_method'
  | 'trace_id'
  | 'created_at';

const FIXED_COLUMNS: ReadonlySet<string> = new Set<FixedColumn>([
  'order_id',
  'request_hash',
  'user_id',
  'items',
  'total',
  'currency',
  'payment_method',
  'trace_id',
  'created_at',
]);

/**
 * The columns a write after `create` may change. A transition that knows the order answers only these (13 of
 * 22): the rest cost the client most of a row's parsing (the items' JSON, the total, a timestamp).
 */
const CHANGING_COLUMNS = COLUMNS.split(',')
  .map((column) => column.trim())
  .filter((column) => !FIXED_COLUMNS.has(column))
  .join(', ');

type ChangingRow = Omit<OrderRow, FixedColumn>;

/**
 * The columns of a new order the database decides (defaults, `now()`, the lease and announcement it derives):
 * an insert answers only these, the rest being what it was given.
 */
const DECIDED_AT_CREATE =
  'payment_id, lease_owner, lease_until, attempts, announce_due, created_at, updated_at';

type DecidedRow = Pick<
  OrderRow,
  'payment_id' | 'lease_owner' | 'lease_until' | 'attempts' | 'announce_due' | 'created_at' | 'updated_at'
>;

const OPEN = `state NOT IN ('completed', 'failed', 'compensated')`;

function toRecord(row: OrderRow): OrderRecord {
  return withChanges(
    {
      orderId: row.order_id,
      requestHash: row.request_hash,
      userId: row.user_id,
      items: row.items,
      total: Number(row.total),
      currency: row.currency,
      paymentMethod: row.payment_method,
      traceId: row.trace_id,
      createdAt: row.created_at,
    },
    row,
  );
}

/** The order from the fields fixed at its creation and a row of the columns that change. */
function withChanges(fixed: Pick<OrderRecord, FixedAtCreate>, row: ChangingRow): OrderRecord {
  return {
    orderId: fixed.orderId,
    requestHash: fixed.requestHash,
    userId: fixed.userId,
    items: fixed.items,
    total: fixed.total,
    currency: fixed.currency,
    paymentMethod: fixed.paymentMethod,
    state: row.state,
    userEmail: row.user_email,
    userPhone: row.user_phone,
    reservationId: row.reservation_id,
    paymentId: row.payment_id,
    paymentStatus: row.payment_status,
    error:
      row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? row.error_code },
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    attempts: row.attempts,
    traceId: fixed.traceId,
    announceDue: row.announce_due,
    createdAt: fixed.createdAt,
    updatedAt: row.updated_at,
  };
}

/**
 * The order an insert stored: what it was given, as the columns hold it (the total to the cent, the items as
 * their JSON reads back), with what the database decided.
 */
function insertedRecord(order: NewOrder, state: OrderState, itemsJson: string, row: DecidedRow): OrderRecord {
  return withChanges(
    {
      orderId: order.orderId,
      requestHash: order.requestHash,
      userId: order.userId,
      items: JSON.parse(itemsJson) as OrderItem[],
      total: Number(order.total.toFixed(2)),
      currency: order.currency,
      paymentMethod: order.paymentMethod,
      traceId: order.traceId,
      createdAt: row.created_at,
    },
    {
      state,
      user_email: order.userEmail ?? null,
      user_phone: order.userPhone ?? null,
      reservation_id: order.reservationId ?? null,
      payment_id: row.payment_id,
      payment_status: order.paymentStatus ?? 'none',
      error_code: order.error?.code ?? null,
      error_message: order.error?.message ?? null,
      lease_owner: row.lease_owner,
      lease_until: row.lease_until,
      attempts: row.attempts,
      announce_due: row.announce_due,
      updated_at: row.updated_at,
    },
  );
}

/** Storage failures are never the client's fault: they surface as STORAGE_ERROR (HTTP 500/503 upstream). */
async function guarded<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error: unknown) {
    if (error instanceof MeshError) throw error;
    throw new MeshError('STORAGE_ERROR', `order store: ${what} failed`, { cause: error });
  }
}

/**
 * Orders in PostgreSQL. Leases use the database clock (`now()`), so replicas with skewed clocks still agree
 * on who holds an order; every write after `create` is one conditional UPDATE fenced on the lease owner.
 */
export class PgOrderStore implements OrderStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly announceGraceMs = ANNOUNCE_GRACE_MS,
  ) {}

  create(order: NewOrder, owner: string, leaseMs: number): Promise<{ created: boolean; order: OrderRecord }> {
    return guarded('create', async () => {
      const state = order.state ?? 'received';
      // A terminal first write is unleased and owes its announcement, as a terminal transition does.
      const terminal = isTerminal(state);
      const itemsJson = JSON.stringify(order.items);
      const inserted = await this.pool.query<DecidedRow>(
        prepared(
          `INSERT INTO orders (order_id, request_hash, user_id, items, total, currency, payment_method, state,
           user_email, user_phone, reservation_id, payment_status, error_code, error_message,
           lease_owner, lease_until, trace_id, announce_due)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
           CASE WHEN $18 THEN NULL ELSE $15 END,
           CASE WHEN $18 THEN NULL ELSE now() + make_interval(secs => $16 / 1000.0) END, $17,
           CASE WHEN $18 THEN now() + make_interval(secs => $19 / 1000.0) END)
         ON CONFLICT (order_id) DO NOTHING
         RETURNING ${DECIDED_AT_CREATE}`,
          [
            order.orderId,
            order.requestHash,
            order.userId,
            itemsJson,
            order.total.toFixed(2),
            order.currency,
            order.paymentMethod,
            state,
            order.userEmail ?? null,
            order.userPhone ?? null,
            order.reservationId ?? null,
            order.paymentStatus ?? 'none',
            order.error?.code ?? null,
            order.error?.message ?? null,
            owner,
            leaseMs,
            order.traceId,
            terminal,
            this.announceGraceMs,
          ],
        ),
      );
      const row = inserted.rows[0];
      if (row) return { created: true, order: insertedRecord(order, state, itemsJson, row) };
      const existing = await this.get(order.orderId);
      if (!existing) {
        throw new MeshError('STORAGE_ERROR', `order ${order.orderId} neither inserted nor found`);
      }
      return { created: false, order: existing };
    });
  }

  get(orderId: string): Promise<OrderRecord | undefined> {
    return guarded('get', async () => {
      const result = await this.pool.query<OrderRow>(
        prepared(`SELECT ${COLUMNS} FROM orders WHERE order_id = $1`, [orderId]),
      );
      const row = result.rows[0];
      return row ? toRecord(row) : undefined;
    });
  }

  transition(
    orderId: string,
    owner: string,
    state: OrderState,
    patch: OrderPatch = {},
    known?: OrderRecord,
  ): Promise<OrderRecord> {
    const fixed = known?.orderId === orderId ? known : undefined;
    return guarded('transition', async () => {
      const sets: string[] = ['state = $3', 'updated_at = now()'];
      const values: unknown[] = [orderId, owner, state];
      const add = (column: string, value: unknown): void => {
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      };
      if (patch.userEmail !== undefined) add('user_email', patch.userEmail);
      if (patch.userPhone !== undefined) add('user_phone', patch.userPhone);
      if (patch.reservationId !== undefined) add('reservation_id', patch.reservationId);
      if (patch.paymentId !== undefined) add('payment_id', patch.paymentId);
      if (patch.paymentStatus !== undefined) add('payment_status', patch.paymentStatus);
      if (patch.error !== undefined) {
        add('error_code', patch.error?.code ?? null);
        add('error_message', patch.error?.message ?? null);
      }
      if (isTerminal(state)) {
        // Deciding and owing the announcement are one write: a crash right after leaves it to recovery.
        values.push(this.announceGraceMs);
        sets.push(
          'lease_owner = NULL',
          'lease_until = NULL',
          `announce_due = COALESCE(announce_due, now() + make_interval(secs => $${values.length} / 1000.0))`,
        );
      }
      // The text depends on which columns the patch sets, whether the state is terminal and whether the order
      // is known: at most 2^8 shapes, a handful in practice, each prepared once per connection (see `prepared`).
      const allowedFrom = fromStates(state);
      values.push(allowedFrom);
      const result = await this.pool.query<OrderRow>(
        prepared(
          `UPDATE orders SET ${sets.join(', ')}
           WHERE order_id = $1 AND lease_owner = $2 AND lease_until > now() AND state = ANY($${values.length})
           RETURNING ${fixed ? CHANGING_COLUMNS : COLUMNS}`,
          values,
        ),
      );
      const row = result.rows[0];
      if (row) return fixed ? withChanges(fixed, row) : toRecord(row);
      const current = await this.get(orderId);
      if (!current) throw new MeshError('NOT_FOUND', `order ${orderId} does not exist`);
      if (!canTransition(current.state, state)) {
        throw new MeshError('CONFLICT', `order ${orderId} cannot go from ${current.state} to ${state}`, {
          data: { order_id: orderId, from: current.state, to: state },
        });
      }
      throw new MeshError('LEASE_LOST', `order ${orderId} is no longer held by ${owner}`, {
        data: { order_id: orderId, owner, holder: current.leaseOwner },
      });
    });
  }

  claim(orderId: string, owner: string, leaseMs: number): Promise<OrderRecord | undefined> {
    return guarded('claim', async () => {
      const result = await this.pool.query<OrderRow>(
        prepared(
          `UPDATE orders SET lease_owner = $2, lease_until = now() + make_interval(secs => $3 / 1000.0),
           attempts = attempts + 1, updated_at = now()
         WHERE order_id = $1 AND ${OPEN} AND (lease_until IS NULL OR lease_until <= now())
         RETURNING ${COLUMNS}`,
          [orderId, owner, leaseMs],
        ),
      );
      const row = result.rows[0];
      return row ? toRecord(row) : undefined;
    });
  }

  claimStale(owner: string, leaseMs: number, limit: number): Promise<OrderRecord[]> {
    return guarded('claimStale', async () => {
      const result = await this.pool.query<OrderRow>(
        `WITH due AS (
           SELECT order_id FROM orders
           WHERE ${OPEN} AND (lease_until IS NULL OR lease_until <= now())
           ORDER BY lease_until NULLS FIRST
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
         UPDATE orders o SET lease_owner = $1, lease_until = now() + make_interval(secs => $2 / 1000.0),
           attempts = o.attempts + 1, updated_at = now()
         FROM due WHERE o.order_id = due.order_id
         RETURNING ${COLUMNS.split(',')
           .map((column) => `o.${column.trim()}`)
           .join(', ')}`,
        [owner, leaseMs, limit],
      );
      return result.rows.map(toRecord);
    });
  }

  renew(owner: string, orderIds: readonly string[], leaseMs: number): Promise<number> {
    if (orderIds.length === 0) return Promise.resolve(0);
    return guarded('renew', async () => {
      const result = await this.pool.query(
        prepared(
          `UPDATE orders SET lease_until = now() + make_interval(secs => $3 / 1000.0)
         WHERE order_id = ANY($2) AND lease_owner = $1 AND ${OPEN}`,
          [owner, orderIds, leaseMs],
        ),
      );
      return result.rowCount ?? 0;
    });
  }

  states(orderIds: readonly string[]): Promise<Map<string, OrderState>> {
    if (orderIds.length === 0) return Promise.resolve(new Map());
    return guarded('states', async () => {
      const result = await this.pool.query<{ order_id: string; state: OrderState }>(
        'SELECT order_id, state FROM orders WHERE order_id = ANY($1)',
        [orderIds],
      );
      return new Map(result.rows.map((row) => [row.order_id, row.state]));
    });
  }

  markAnnounced(orderIds: readonly string[]): Promise<void> {
    if (orderIds.length === 0) return Promise.resolve();
    return guarded('markAnnounced', async () => {
      await this.pool.query(
        prepared(
          'UPDATE orders SET announce_due = NULL WHERE order_id = ANY($1) AND announce_due IS NOT NULL',
          [orderIds],
        ),
      );
    });
  }

  claimUnannounced(limit: number, retryMs: number): Promise<OrderRecord[]> {
    return guarded('claimUnannounced', async () => {
      const result = await this.pool.query<OrderRow>(
        `WITH due AS (
           SELECT order_id FROM orders
           WHERE announce_due IS NOT NULL AND announce_due <= now()
           ORDER BY announce_due
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
         UPDATE orders o SET announce_due = now() + make_interval(secs => $2 / 1000.0)
         FROM due WHERE o.order_id = due.order_id
         RETURNING ${COLUMNS.split(',')
           .map((column) => `o.${column.trim()}`)
           .join(', ')}`,
        [limit, retryMs],
      );
      return result.rows.map(toRecord);
    });
  }

  release(orderId: string, owner: string, retryAfterMs: number): Promise<void> {
    return guarded('release', async () => {
      await this.pool.query(
        prepared(
          `UPDATE orders SET lease_until = now() + make_interval(secs => $3 / 1000.0), lease_owner = NULL
         WHERE order_id = $1 AND lease_owner = $2 AND ${OPEN}`,
          [orderId, owner, retryAfterMs],
        ),
      );
    });
  }
}

/** The states from which `to` may be entered (the same state counts, so a repeated write is harmless). */
export function fromStates(to: OrderState): OrderState[] {
  return ORDER_STATES.filter((from) => canTransition(from, to));
}
