import { SyncTracker, every, type SyncLogger, type SyncStatus } from './sync-status.js';
import { verificationKeys, type KeySetAnswer, type VerificationKey } from './verification-key.js';

export interface KeySetOptions {
  /** Asks auth-agent (auth_signing_keys through the mesh). */
  readonly fetch: () => Promise<KeySetAnswer>;
  /** How often the key set is fetched again (new keys are published a rotation period ahead). */
  readonly refreshMs: number;
  /** An unknown kid fetches the key set again at most this often, so forged kids cost auth nothing. */
  readonly unknownKidRefetchMs: number;
  readonly now?: () => number;
  readonly logger?: SyncLogger;
}

/** Retry pace until the first key set arrives (requests get 503 meanwhile). */
const UNTIL_READY_MS = 1_000;

/**
 * The gateway's copy of the keys auth-agent publishes. Refreshed in the background; a failed refresh keeps the
 * keys held (each is dropped only at its own not_after), so tokens keep verifying while auth is down.
 */
export class KeySet {
  private keys = new Map<string, VerificationKey>();
  private expectedClaims: { readonly issuer: string; readonly audience: string } | undefined;
  private inflight: Promise<void> | undefined;
  private lastUnknownRefetch = Number.NEGATIVE_INFINITY;
  private stopTimer: (() => void) | undefined;
  private readonly now: () => number;
  private readonly sync: SyncTracker;

  constructor(private readonly options: KeySetOptions) {
    this.now = options.now ?? Date.now;
    this.sync = new SyncTracker('token keys', this.now, options.logger);
  }

  get ready(): boolean {
    return this.expectedClaims !== undefined;
  }

  /** `iss` and `aud` auth puts in every token (known once ready). */
  get expected(): { readonly issuer: string; readonly audience: string } | undefined {
    return this.expectedClaims;
  }

  /** The key named `kid`, unless it is unknown or past its not_after. */
  key(kid: string): VerificationKey | undefined {
    const key = this.keys.get(kid);
    return key !== undefined && key.notAfter > this.now() ? key : undefined;
  }

  /** Fetches the key set once (joining a fetch under way); never throws: failures are tracked and logged. */
  refresh(): Promise<void> {
    this.inflight ??= this.fetchOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * A token names a kid not held: auth may have published a key since the last refresh. Fetches again unless
   * that happened within `unknownKidRefetchMs` (a fetch under way is joined, so a burst of tokens under a new
   * key waits for the same answer).
   */
  async refetchFor(kid: string): Promise<VerificationKey | undefined> {
    if (this.inflight === undefined) {
      if (this.now() - this.lastUnknownRefetch < this.options.unknownKidRefetchMs) return this.key(kid);
      this.lastUnknownRefetch = this.now();
    }
    await this.refresh();
    return this.key(kid);
  }

  status(): SyncStatus & { keys: number } {
    return { ...this.sync.status(), keys: this.keys.size };
  }

  /** Milliseconds since the key set was last fetched. */
  ageMs(): number {
    return this.sync.ageMs();
  }

  start(): void {
    this.stopTimer ??= every(
      () => this.refresh(),
      this.options.refreshMs,
      UNTIL_READY_MS,
      () => this.ready,
    );
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  private async fetchOnce(): Promise<void> {
    try {
      const answer = await this.options.fetch();
      this.keys = verificationKeys(answer);
      this.expectedClaims = Object.freeze({ issuer: answer.issuer, audience: answer.audience });
      this.sync.succeeded();
    } catch (error: unknown) {
      this.sync.failed(error, `verifying tokens with the ${this.keys.size} cached keys`);
    }
  }
}
