import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { silentLogger, type Logger } from '@mesh/common';
import { PermanentFailure } from './channels.js';
import type { Channel, NotificationMetrics } from './metrics.js';

export interface DispatcherOptions {
  /** Attempts per message, the first included. */
  attempts: number;
  /** First backoff delay; later ones grow exponentially with jitter. */
  retryDelayMs: number;
  metrics: NotificationMetrics;
  logger?: Logger;
}

/** What the caller learns within its budget. `delivered: false` with `pending: true` means still trying. */
export interface DispatchResult {
  delivered: boolean;
  pending: boolean;
  error?: string;
}

/**
 * Sends with bounded retries in the background and tells the caller what happened within a short budget,
 * so a slow or dead provider never holds up the order flow. Outcomes after the budget are logged and
 * counted; `drain` lets shutdown wait for sends still in flight.
 */
export class Dispatcher {
  private readonly policy: RetryPolicy;
  private readonly logger: Logger;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: DispatcherOptions) {
    this.logger = options.logger ?? silentLogger();
    this.policy = retry(
      handleWhen((error) => !(error instanceof PermanentFailure)),
      {
        maxAttempts: Math.max(0, options.attempts - 1),
        backoff: new ExponentialBackoff({
          initialDelay: options.retryDelayMs,
          maxDelay: options.retryDelayMs * 20,
        }),
      },
    );
  }

  dispatch(
    channel: Channel,
    messageId: string,
    send: (signal: AbortSignal) => Promise<void>,
    budgetMs: number,
    logger: Logger = this.logger,
  ): Promise<DispatchResult> {
    const started = Date.now();
    const attempt = this.policy.execute(({ attempt: n, signal }) => {
      if (n > 0) this.options.metrics.retries.inc({ channel });
      return send(signal);
    }, this.stopping.signal);
    const settled = attempt.then(
      () => {
        this.options.metrics.count(channel, 'delivered');
        logger.debug({ channel, message_id: messageId, ms: Date.now() - started }, 'notification delivered');
        return { delivered: true, pending: false } satisfies DispatchResult;
      },
      (error: unknown) => {
        this.options.metrics.count(channel, 'failed');
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn(
          { channel, message_id: messageId, err: reason, attempts: this.options.attempts },
          'notification not delivered',
        );
        return { delivered: false, pending: false, error: reason } satisfies DispatchResult;
      },
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<DispatchResult>((resolve) => {
      timer = setTimeout(() => resolve({ delivered: false, pending: true }), Math.max(0, budgetMs));
    });
    return Promise.race([settled, budget]).finally(() => clearTimeout(timer));
  }

  /** Waits up to `timeoutMs` for sends in flight, then abandons the rest (their retries stop). */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      Promise.all([...this.inFlight]).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!waited)
      this.logger.warn({ abandoned: this.inFlight.size }, 'notifications still in flight at shutdown');
    this.stopping.abort();
  }

  get pending(): number {
    return this.inFlight.size;
  }
}
