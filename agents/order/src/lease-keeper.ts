import type { Logger } from '@mesh/common';
import type { OrderStore } from './order-store.js';

/**
 * Keeps this process's claims alive: every third of the lease it extends the lease of every order it is
 * still driving, in one statement. A process that dies stops renewing, so its orders become claimable by
 * recovery within one lease period.
 */
export class LeaseKeeper {
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: OrderStore,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly logger?: Logger,
  ) {}

  track(orderId: string): void {
    this.held.add(orderId);
  }

  untrack(orderId: string): void {
    this.held.delete(orderId);
  }

  get size(): number {
    return this.held.size;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renewNow(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Renews now; storage trouble is logged (the saga's next write will notice a lost lease). */
  async renewNow(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.store.renew(this.owner, [...this.held], this.leaseMs);
    } catch (error: unknown) {
      this.logger?.warn({ err: error, orders: this.held.size }, 'order lease renewal failed');
    }
  }
}
