/** A finished response kept for replay. */
export interface SavedResponse {
  readonly status: number;
  readonly body: unknown;
}

type Entry =
  | { readonly state: 'in_progress'; readonly fingerprint: string; readonly createdAt: number }
  | {
      readonly state: 'done';
      readonly fingerprint: string;
      readonly createdAt: number;
      readonly response: SavedResponse;
    };

/** What a new request with an Idempotency-Key must do. */
export type IdempotencyDecision =
  | { readonly kind: 'execute' }
  | { readonly kind: 'replay'; readonly response: SavedResponse }
  | { readonly kind: 'in_progress' }
  | { readonly kind: 'mismatch' };

export interface IdempotencyOptions {
  /** Keys older than this are forgotten (Stripe keeps them 24 h). */
  ttlMs?: number;
  /** At most this many keys are kept; the oldest go first. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Stripe's idempotency rules in memory: the first request with a key executes; a later one with the same
 * parameters gets the saved response replayed; one with different parameters is refused; one arriving
 * while the first still runs is refused as in progress. Only requests that started executing are saved,
 * so a validation error or a dropped connection frees the key.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: IdempotencyOptions = {}) {
    this.ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Decides what to do with a request and, when it is to execute, marks the key in progress. */
  begin(key: string, fingerprint: string): IdempotencyDecision {
    const existing = this.entries.get(key);
    if (existing !== undefined && this.now() - existing.createdAt > this.ttlMs) this.entries.delete(key);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, { state: 'in_progress', fingerprint, createdAt: this.now() });
      this.evict();
      return { kind: 'execute' };
    }
    if (entry.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (entry.state === 'in_progress') return { kind: 'in_progress' };
    return { kind: 'replay', response: entry.response };
  }

  /** Saves the response of an executed request for replay. */
  complete(key: string, response: SavedResponse): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.set(key, {
      state: 'done',
      fingerprint: entry.fingerprint,
      createdAt: entry.createdAt,
      response,
    });
  }

  /** Frees a key whose request never executed (validation failed, the client went away). */
  abandon(key: string): void {
    if (this.entries.get(key)?.state === 'in_progress') this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    while (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) return;
      this.entries.delete(oldest.value);
    }
  }
}
