/** What a lease answers a request: admitted, refused, or ask again (the window ended during the claim). */
export type LeaseVerdict = 'admitted' | 'refused' | 'window-ended';

/**
 * Adds `block` to the client's shared count of one window in one write and answers the count after it, or
 * undefined when the store counted it in a later window than the lease's.
 */
export type ClaimTokens = (block: number) => Promise<number | undefined>;

interface Waiter {
  resolve(verdict: LeaseVerdict): void;
  reject(error: unknown): void;
}

/**
 * One client's tokens on this gateway for one fixed window: requests it may admit without writing to the
 * shared counter. When none is left, one claim at a time is in flight for the client, and every request that
 * arrives meanwhile waits in line for its tokens (no thundering claims).
 */
export class TokenLease {
  #remaining = 0;
  /** Set once a claim came back short: the window's limit is spent on every replica, so refuse locally. */
  #exhausted = false;
  #nextBlock = 1;
  #claiming = false;
  readonly #line: Waiter[] = [];

  constructor(
    private readonly claim: ClaimTokens,
    private readonly limit: number,
    private readonly maxBlock: number,
  ) {}

  /** Spends a token, or waits for the claim that brings one; rejects with the store's error if it fails. */
  admit(): Promise<LeaseVerdict> {
    if (this.#remaining > 0) {
      this.#remaining -= 1;
      return Promise.resolve('admitted');
    }
    if (this.#exhausted) return Promise.resolve('refused');
    return new Promise((resolve, reject) => {
      this.#line.push({ resolve, reject });
      if (!this.#claiming) void this.#claimWhileWaited();
    });
  }

  async #claimWhileWaited(): Promise<void> {
    this.#claiming = true;
    try {
      while (this.#line.length > 0) {
        // 1 for the window's first claim, doubling, and never less than the requests already waiting
        // (they spend it at once), capped so few tokens can be stranded here at the window's end.
        const block = Math.min(this.maxBlock, Math.max(this.#nextBlock, this.#line.length));
        const count = await this.claim(block);
        if (count === undefined) return this.#answerAll('window-ended');
        this.#grant(block, count);
        while (this.#remaining > 0 && this.#line.length > 0) {
          this.#remaining -= 1;
          this.#line.shift()!.resolve('admitted');
        }
        if (this.#exhausted) this.#answerAll('refused');
      }
    } catch (error: unknown) {
      for (const waiter of this.#line.splice(0)) waiter.reject(error);
    } finally {
      this.#claiming = false;
    }
  }

  /**
   * A block of `block` that took the count to `count` holds the tokens count - block + 1 … count; those within
   * the limit are this gateway's to spend (the ones before belong to whoever claimed them).
   */
  #grant(block: number, count: number): void {
    const granted = Math.max(0, Math.min(block, this.limit - (count - block)));
    this.#remaining += granted;
    if (granted < block) this.#exhausted = true;
    this.#nextBlock = Math.min(block * 2, this.maxBlock);
  }

  #answerAll(verdict: LeaseVerdict): void {
    for (const waiter of this.#line.splice(0)) waiter.resolve(verdict);
  }
}
