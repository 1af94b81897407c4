import type { Counter, Gauge } from 'prom-client';
import { Registry } from 'prom-client';
import { metricsIn } from '@mesh/common';

/**
 * How a checkout ended, from the shopper's side: `completed` and `failed` (the order agent's outcome, a
 * declined card or missing stock), `replayed` (a retry answered the first outcome again), `pending` (the
 * outcome was not known in time; the cart stays locked on the order), `refused` (nothing was ordered: an
 * empty cart, a reused key, an order the order agent refused before any side effect) or `error` (the mesh or
 * the store failed).
 */
export type CheckoutOutcome = 'completed' | 'failed' | 'replayed' | 'pending' | 'refused' | 'error';

/** Where carts live: Redis, else PostgreSQL, else this process only. */
export type CartStoreKind = 'redis' | 'postgres' | 'memory';

const CHECKOUT_OUTCOMES: readonly CheckoutOutcome[] = [
  'completed',
  'failed',
  'replayed',
  'pending',
  'refused',
  'error',
];
const STORE_KINDS: readonly CartStoreKind[] = ['redis', 'postgres', 'memory'];

/** The cart agent's own metrics, in a registry of their own so the runtime's /metrics can include them. */
export class CartMetrics {
  readonly registry = new Registry();
  readonly checkouts: Counter<'outcome' | 'code'>;
  readonly store: Gauge<'backend'>;

  constructor() {
    const metric = metricsIn(this.registry);
    this.checkouts = metric.counter(
      'cart_checkouts_total',
      'Cart checkouts by outcome (completed, failed, replayed, pending, refused, error) and the failure code.',
      ['outcome', 'code'],
    );
    this.store = metric.gauge(
      'cart_store_backend',
      'The store carts live in: 1 for the backend in use (redis, postgres; memory keeps carts in one process).',
      ['backend'],
    );
    // Every outcome from the start, so rate() sees the first checkout of each kind and panels are never empty.
    for (const outcome of CHECKOUT_OUTCOMES) this.checkouts.inc({ outcome, code: '' }, 0);
  }

  /** Marks `kind` as the store in use (and the others not). */
  useStore(kind: CartStoreKind): void {
    for (const backend of STORE_KINDS) this.store.set({ backend }, backend === kind ? 1 : 0);
  }

  countCheckout(outcome: CheckoutOutcome, code = ''): void {
    this.checkouts.inc({ outcome, code });
  }
}
