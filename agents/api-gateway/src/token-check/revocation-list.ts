import type { ContractOutput, authRevocations } from '@mesh/contracts';
import { SyncTracker, every, type SyncLogger, type SyncStatus } from './sync-status.js';

/** auth_revocations' answer. */
export type RevocationsAnswer = ContractOutput<typeof authRevocations>;

export interface RevocationListOptions {
  /** Asks auth-agent for revocations after `cursor` (auth_revocations through the mesh). */
  readonly poll: (cursor: string | undefined) => Promise<RevocationsAnswer>;
  /** How often to poll: a revoked token is refused here at most this long (plus one call) after revocation. */
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly logger?: SyncLogger;
}

/** Pages fetched in one poll at most (a backlog larger than this is fetched over the next polls). */
const MAX_PAGES_PER_POLL = 20;

/**
 * Revoked token ids, kept until their tokens expire, polled from auth-agent with a cursor so each poll carries
 * only what is new. While auth is down the list stops growing: revocations made meanwhile take effect here
 * once it answers again (logged, and visible in the sync metrics).
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>();
  private cursor: string | undefined;
  private inflight: Promise<void> | undefined;
  private stopTimer: (() => void) | undefined;
  private readonly now: () => number;
  private readonly sync: SyncTracker;

  constructor(private readonly options: RevocationListOptions) {
    this.now = options.now ?? Date.now;
    this.sync = new SyncTracker('revocations', this.now, options.logger);
  }

  /** Whether the list has been read at least once (before that, a revoked token could pass). */
  get ready(): boolean {
    return this.sync.ready;
  }

  has(jti: string): boolean {
    return this.revoked.has(jti);
  }

  get size(): number {
    return this.revoked.size;
  }

  /** Fetches what is new (joining a poll under way); never throws: failures are tracked and logged. */
  poll(): Promise<void> {
    this.inflight ??= this.pollOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  status(): SyncStatus & { revoked: number } {
    return { ...this.sync.status(), revoked: this.revoked.size };
  }

  /** Milliseconds since the list was last read. */
  ageMs(): number {
    return this.sync.ageMs();
  }

  start(): void {
    this.stopTimer ??= every(
      () => this.poll(),
      this.options.intervalMs,
      this.options.intervalMs,
      () => true,
    );
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  private async pollOnce(): Promise<void> {
    try {
      for (let page = 0; page < MAX_PAGES_PER_POLL; page += 1) {
        const answer = await this.options.poll(this.cursor);
        for (const entry of answer.revocations) {
          const expires = Date.parse(entry.expires_at);
          // An unreadable expiry keeps the entry for a day rather than never refusing the token.
          this.revoked.set(entry.jti, Number.isFinite(expires) ? expires : this.now() + 86_400_000);
        }
        this.cursor = answer.cursor;
        if (!answer.more) break;
      }
      this.sync.succeeded();
    } catch (error: unknown) {
      this.sync.failed(error, `refusing only the ${this.revoked.size} revocations already known`);
    }
    this.prune();
  }

  /** Forgets revocations of tokens that have expired anyway (their exp check refuses them). */
  private prune(): void {
    const now = this.now();
    for (const [jti, expires] of this.revoked) if (expires <= now) this.revoked.delete(jti);
  }
}
