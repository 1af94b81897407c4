import type { VerifiedToken } from './mesh-ports.js';

/**
 * Positive token verifications kept for a few seconds, so a client's burst costs one auth hop instead of one
 * per request. Bounded in size (oldest entry evicted first) and never past the token's own expiry. The price:
 * a revoked token keeps working at this gateway for at most `ttlMs`.
 */
export class TokenCache {
  private readonly entries = new Map<string, { token: VerifiedToken; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.token;
  }

  set(token: string, verified: VerifiedToken): void {
    if (this.ttlMs <= 0) return;
    const expires = Date.parse(verified.expires_at);
    const until = Math.min(this.now() + this.ttlMs, Number.isFinite(expires) ? expires : Infinity);
    if (until <= this.now()) return;
    this.entries.delete(token);
    this.entries.set(token, { token: verified, until });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
