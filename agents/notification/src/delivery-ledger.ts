/** What a claim on a delivery key found. */
export type ClaimResult = 'claimed' | 'sent' | 'busy';

/**
 * Remembers which messages went out, by an idempotency key (one per order confirmation), so a redelivered
 * event, a second replica or a fallback call never sends the same email twice. A sender claims the key for a
 * lease, sends, then marks it sent; a sender that dies mid-send leaves a lease that expires, and the next
 * claim sends again. The only window for a duplicate is between the SMTP server's acceptance and the mark.
 */
export interface DeliveryLedger {
  /** Claims `key` for `owner` for `leaseMs`: claimed (send it), sent (done before), busy (another sends now). */
  claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult>;
  markSent(key: string, owner: string): Promise<void>;
  /** Gives a claim back after a failed send, so a retry need not wait for the lease. */
  release(key: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  state: 'sending' | 'sent';
  owner: string;
  leaseUntil: number;
  sentAt: number;
}

/** The ledger in process memory: one replica, forgotten on restart (used only without a database). */
export class MemoryDeliveryLedger implements DeliveryLedger {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, owner: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.now();
    this.#forgetOld(now);
    const entry = this.#entries.get(key);
    if (entry?.state === 'sent') return 'sent';
    if (entry !== undefined && entry.leaseUntil > now) return 'busy';
    this.#entries.set(key, { state: 'sending', owner, leaseUntil: now + leaseMs, sentAt: 0 });
    return 'claimed';
  }

  async markSent(key: string, owner: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry?.owner === owner) this.#entries.set(key, { ...entry, state: 'sent', sentAt: this.now() });
  }

  async release(key: string, owner: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry?.owner === owner && entry.state === 'sending') this.#entries.delete(key);
  }

  async close(): Promise<void> {}

  #forgetOld(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.state === 'sent' && now - entry.sentAt > this.retentionMs) this.#entries.delete(key);
    }
  }
}
