import { windowIndex } from '@mesh/backends';
import { MeshError } from '@mesh/common';
import { TokenLease } from './token-lease.js';

/** The slice of @mesh/backends' SharedStore the limiter needs (fixed-window counters shared by replicas). */
export interface HitCounter {
  /** Adds `by` (default 1) to the current window's count of `key`; answers the count after it. */
  hit(key: string, windowMs: number, by?: number): Promise<number>;
}

export interface RateLimiterOptions {
  now?: () => number;
  /** The largest block one claim takes (64 by default; never more than an eighth of the limit). */
  maxBlock?: number;
}

/** Windows a request follows before it counts itself alone (only a window shorter than a claim needs two). */
const MAX_WINDOWS_PER_REQUEST = 3;

/**
 * Per-client fixed-window rate limit (`limit` requests per `windowMs`), counted in a store every gateway
 * replica shares, so N replicas together allow `limit`, not N x `limit`.
 *
 * Counting is leased so a busy client does not cost one shared write per request: when this gateway holds no
 * token for a client in the current window it adds a block of k to the shared count in one write and, the
 * count being C after it, admits the block's tokens that stay within the limit (limit - (C - k), at most k)
 * without writing again. k is 1 for a client's first claim in a window (a quiet client costs one write per
 * request, as before) and doubles with each claim up to `maxBlock` (a busy client costs a few writes per
 * window). Tokens left when the window ends are lost, never carried over: replicas together admit at most
 * `limit`, exactly `limit` when one replica serves the client, at most one block per replica fewer otherwise.
 */
export class RateLimiter {
  readonly #now: () => number;
  readonly #maxBlock: number;
  /** The leases of window `#window`, all dropped when a new window starts. */
  #leases = new Map<string, TokenLease>();
  #window = Number.NaN;

  constructor(
    private readonly counter: HitCounter,
    private readonly limit: number,
    private readonly windowMs: number,
    options: RateLimiterOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#maxBlock = Math.max(1, Math.min(options.maxBlock ?? 64, Math.floor(limit / 8)));
  }

  /** Counts one request for `client`; throws RATE_LIMITED (with retryAfterSeconds) past the limit. */
  async check(client: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_WINDOWS_PER_REQUEST; attempt += 1) {
      const verdict = await this.#leaseOf(client).admit();
      if (verdict === 'admitted') return;
      if (verdict === 'refused') throw this.#refusal();
    }
    if ((await this.counter.hit(this.#key(client), this.windowMs)) > this.limit) throw this.#refusal();
  }

  #leaseOf(client: string): TokenLease {
    const window = windowIndex(this.#now(), this.windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#leases = new Map();
    }
    let lease = this.#leases.get(client);
    if (!lease) {
      lease = new TokenLease((block) => this.#claim(client, window, block), this.limit, this.#maxBlock);
      this.#leases.set(client, lease);
    }
    return lease;
  }

  async #claim(client: string, window: number, block: number): Promise<number | undefined> {
    const count = await this.counter.hit(this.#key(client), this.windowMs, block);
    // The store counts in the window of its own moment, between the claim's start and now: if the window
    // changed meanwhile the block may be the new window's, so none of it is spent in the old one's lease.
    return windowIndex(this.#now(), this.windowMs) === window ? count : undefined;
  }

  #key(client: string): string {
    return `rl:${client}`;
  }

  #refusal(): MeshError {
    const retryAfterSeconds = Math.max(1, Math.ceil((this.windowMs - (this.#now() % this.windowMs)) / 1000));
    return new MeshError(
      'RATE_LIMITED',
      `rate limit of ${this.limit} requests per ${this.windowMs / 1000}s exceeded`,
      { data: { retryAfterSeconds, limit: this.limit } },
    );
  }
}
