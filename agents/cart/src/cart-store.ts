/** One line of a stored cart: prices are not stored, they are read from the catalogue when shown. */
export interface StoredLine {
  sku: string;
  quantity: number;
}

/** What the last checkout of a cart answered, kept so a retried checkout repeats it. */
export interface CheckoutRecord {
  key: string;
  order_id: string;
  status: 'completed' | 'failed';
  payment_id: string | null;
  error: { code: string; message: string } | null;
  total_cents: number;
  currency: string;
}

/** An order being placed from the cart: until its outcome is known the cart cannot change. */
export interface PendingCheckout {
  key: string;
  order_id: string;
  items: StoredLine[];
  total_cents: number;
  currency: string;
}

/** A user's cart as stored (JSON). `id` is new for every new cart, `rev` grows with every write. */
export interface StoredCart {
  id: string;
  rev: number;
  lines: StoredLine[];
  currency: string | null;
  pending: PendingCheckout | null;
  last_checkout: CheckoutRecord | null;
  updated_at: string;
}

/**
 * Where carts live, shared by every replica: Redis, else PostgreSQL (memory only for a single process).
 * Writes are compare-and-set on `rev`, so two replicas changing one cart never lose an update: the loser
 * reads again and retries.
 */
export interface CartStore {
  /** The cart, or undefined when there is none (never created, or expired). */
  load(userId: string): Promise<StoredCart | undefined>;
  /**
   * Writes `cart` (which lasts `ttlMs` from now) if the stored one still has revision `expectedRev`
   * (`null`: there must be no cart). False when another write came first.
   */
  save(userId: string, cart: StoredCart, expectedRev: number | null, ttlMs: number): Promise<boolean>;
  /** Pings the backing server (health check). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
