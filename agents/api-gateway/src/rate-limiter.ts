import { MeshError } from '@mesh/common';

/** The slice of @mesh/backends' SharedStore the limiter needs (fixed-window counters shared by replicas). */
export interface HitCounter {
  hit(key: string, windowMs: number): Promise<number>;
}

/**
 * Per-client fixed-window rate limit (`limit` requests per `windowMs`), counted in a store every gateway
 * replica shares, so N replicas together allow `limit`, not N x `limit`.
 */
export class RateLimiter {
  constructor(
    private readonly counter: HitCounter,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request for `client`; throws RATE_LIMITED (with retryAfterSeconds) past the limit. */
  async check(client: string): Promise<void> {
    const count = await this.counter.hit(`rl:${client}`, this.windowMs);
    if (count <= this.limit) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((this.windowMs - (this.now() % this.windowMs)) / 1000));
    throw new MeshError(
      'RATE_LIMITED',
      `rate limit of ${this.limit} requests per ${this.windowMs / 1000}s exceeded`,
      {
        data: { retryAfterSeconds, limit: this.limit },
      },
    );
  }
}
