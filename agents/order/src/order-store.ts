import type { OrderItem, OrderError } from './schemas.js';
import type { OrderState, PaymentStatus } from './order-state.js';

/** One order as persisted: the request, where the saga stands, and who holds it. */
export interface OrderRecord {
  orderId: string;
  /** Hash of the request body, so a reused order_id with another payload is refused. */
  requestHash: string;
  userId: string;
  items: OrderItem[];
  total: number;
  currency: string;
  paymentMethod: string | null;
  state: OrderState;
  userEmail: string | null;
  userPhone: string | null;
  reservationId: string | null;
  paymentId: string | null;
  paymentStatus: PaymentStatus;
  error: OrderError | null;
  /** The process currently driving the order, and until when its claim holds. */
  leaseOwner: string | null;
  leaseUntil: Date | null;
  /** How many times a saga run (first or recovery) picked the order up. */
  attempts: number;
  traceId: string | null;
  /**
   * When the announcement of a decided order (its event, and the confirmation email of a completed one) is
   * still owed and due to be retried; null once it went out. Set by the terminal transition itself, so a
   * process that dies right after deciding leaves the announcement to recovery instead of losing it.
   */
  announceDue: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The fields of an order that only `create` writes: every later write leaves them as they are, so a caller
 * holding the order already has them.
 */
export const FIXED_AT_CREATE = [
  'orderId',
  'requestHash',
  'userId',
  'items',
  'total',
  'currency',
  'paymentMethod',
  'traceId',
  'createdAt',
] as const satisfies readonly (keyof OrderRecord)[];

export type FixedAtCreate = (typeof FIXED_AT_CREATE)[number];

/** Fields a transition may set besides the state. */
export type OrderPatch = Partial<
  Pick<OrderRecord, 'userEmail' | 'userPhone' | 'reservationId' | 'paymentId' | 'paymentStatus' | 'error'>
>;

/**
 * The states an order may be stored in by its first write. The saga stores an order once its reservation and
 * price are known: `reserved` (the forward path goes on), `compensating` (it failed holding stock: the
 * compensator releases it), `failed` (it failed with nothing held). `received` is what earlier versions wrote.
 */
export type InitialState = Extract<OrderState, 'received' | 'reserved' | 'compensating' | 'failed'>;

export type NewOrder = Pick<
  OrderRecord,
  'orderId' | 'requestHash' | 'userId' | 'items' | 'total' | 'currency' | 'paymentMethod' | 'traceId'
> &
  OrderPatch & {
    /** Default `received`. A terminal one is stored unleased, its announcement owed (as a transition does). */
    state?: InitialState;
  };

/**
 * Where orders live. Every write after `create` is fenced by the lease: it only applies while `owner` still
 * holds the order, so a replica that lost its claim (paused, partitioned) can never overwrite the new owner.
 */
export interface OrderStore {
  /**
   * Inserts the order in its initial state (with what the patch fields say), leased to `owner` unless that state
   * is terminal; an existing order is returned untouched (the conflict is how a replay learns it exists).
   */
  create(order: NewOrder, owner: string, leaseMs: number): Promise<{ created: boolean; order: OrderRecord }>;
  get(orderId: string): Promise<OrderRecord | undefined>;
  /**
   * Moves the order to `state` (and applies `patch`) while `owner` holds it; terminal states drop the lease.
   * Throws MeshError LEASE_LOST when the owner no longer holds it, CONFLICT for a forbidden transition.
   * `known`: the order as the caller last read or wrote it; a store may take from it the fields no write after
   * `create` changes (`FIXED_AT_CREATE`) instead of reading them back. The answer is the same either way.
   */
  transition(
    orderId: string,
    owner: string,
    state: OrderState,
    patch?: OrderPatch,
    known?: OrderRecord,
  ): Promise<OrderRecord>;
  /** Takes over one undecided order whose lease has expired (a crashed run); undefined when someone holds it. */
  claim(orderId: string, owner: string, leaseMs: number): Promise<OrderRecord | undefined>;
  /**
   * Takes over up to `limit` non-terminal orders whose lease expired, oldest first. Concurrent callers never
   * get the same order (row locks skipped, lease set in the same statement).
   */
  claimStale(owner: string, leaseMs: number, limit: number): Promise<OrderRecord[]>;
  /** Extends the owner's lease on the orders it is driving; returns how many it still holds. */
  renew(owner: string, orderIds: readonly string[], leaseMs: number): Promise<number>;
  /** Gives the order up (lease expires now) so recovery retries it later; used when cleanup must wait. */
  release(orderId: string, owner: string, retryAfterMs: number): Promise<void>;
  /** The saga state of each known order among `orderIds` (for reconciliation); unknown ids are absent. */
  states(orderIds: readonly string[]): Promise<Map<string, OrderState>>;
  /** The announcements of these orders went out: nothing is owed any more. */
  markAnnounced(orderIds: readonly string[]): Promise<void>;
  /**
   * Takes up to `limit` decided orders whose announcement is overdue, oldest first, and pushes their due time
   * `retryMs` ahead, so concurrent callers never get the same order and a failed attempt is retried later.
   */
  claimUnannounced(limit: number, retryMs: number): Promise<OrderRecord[]>;
}

/** How long after the terminal transition an announcement may stay owed before recovery sends it. */
export const ANNOUNCE_GRACE_MS = 30_000;
