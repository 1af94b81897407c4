/** What a background copy of auth's state reports (for /health, metrics and tests). */
export interface SyncStatus {
  /** At least one fetch succeeded: the copy can be used. */
  readonly ready: boolean;
  /** ISO 8601 of the last successful fetch. */
  readonly lastSuccess: string | undefined;
  /** ISO 8601 of the last failed fetch, if it failed since the last success. */
  readonly lastFailure: string | undefined;
  /** Failed fetches since the start. */
  readonly failures: number;
}

/** The logger calls the sync uses (a pino logger fits). */
export interface SyncLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/**
 * Success and failure of one background fetch from auth-agent: one `warn` when it starts failing (saying the
 * gateway carries on with what it holds), one `info` when it recovers, never a line per failed attempt.
 */
export class SyncTracker {
  private lastSuccess: number | undefined;
  private lastFailure: number | undefined;
  private failures = 0;

  constructor(
    private readonly what: string,
    private readonly now: () => number,
    private readonly logger: SyncLogger | undefined,
  ) {}

  succeeded(): void {
    if (this.lastFailure !== undefined)
      this.logger?.info({ sync: this.what }, `${this.what}: auth-agent answers again`);
    this.lastSuccess = this.now();
    this.lastFailure = undefined;
  }

  failed(error: unknown, carryingOn: string): void {
    this.failures += 1;
    if (this.lastFailure === undefined) {
      this.logger?.warn(
        { sync: this.what, err: error },
        `${this.what}: auth-agent unreachable; ${carryingOn}`,
      );
    }
    this.lastFailure = this.now();
  }

  /** At least one fetch succeeded (cheap: asked on every request). */
  get ready(): boolean {
    return this.lastSuccess !== undefined;
  }

  /** Milliseconds since the last successful fetch (Infinity before the first). */
  ageMs(): number {
    return this.lastSuccess === undefined ? Number.POSITIVE_INFINITY : this.now() - this.lastSuccess;
  }

  status(): SyncStatus {
    const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());
    return {
      ready: this.lastSuccess !== undefined,
      lastSuccess: iso(this.lastSuccess),
      lastFailure: iso(this.lastFailure),
      failures: this.failures,
    };
  }
}

/** Runs `task` now and then every `intervalMs` (every `untilReadyMs` while `ready()` is false) until stopped. */
export function every(
  task: () => Promise<void>,
  intervalMs: number,
  untilReadyMs: number,
  ready: () => boolean,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = (): void => {
    void task().finally(() => {
      if (stopped) return;
      timer = setTimeout(run, ready() ? intervalMs : Math.min(untilReadyMs, intervalMs));
      timer.unref();
    });
  };
  run();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
