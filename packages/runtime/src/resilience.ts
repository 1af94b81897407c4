import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  IsolatedCircuitError,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import { MeshError } from '@mesh/common';

export { CircuitState };

/**
 * Transport failures: what says a provider is unwell (and may be retried when safe). A remote business
 * error (`isError` result) or a validation error says nothing about the provider's health.
 */
export function isTransportFailure(error: unknown): boolean {
  return (
    error instanceof MeshError &&
    (error.code === 'TIMEOUT' || error.code === 'CONNECTION_FAILED' || error.code === 'REMOTE_ERROR') &&
    error.data?.['remote'] !== true &&
    error.data?.['cancelled'] !== true &&
    error.data?.['staleConnection'] !== true
  );
}

/** A call that never reached the provider's handler (refused, draining): failing over is always safe. */
export function neverReachedProvider(error: unknown): boolean {
  return error instanceof MeshError && error.data?.['notProcessed'] === true;
}

/**
 * A reused keep-alive connection dropped under the call. Usually the provider had closed it as idle and is
 * fine, so a call that is safe to repeat goes again on a fresh connection (no ejection, no breaker failure).
 * A provider crashing mid-call looks the same, so an unsafe call must not: see `unrepeatable`.
 */
export function isStaleConnection(error: unknown): boolean {
  return error instanceof MeshError && error.data?.['staleConnection'] === true;
}

/**
 * For a call that is not safe to repeat: a stale-connection failure becomes a plain CONNECTION_FAILED whose
 * outcome is unknown (the provider may have run it), so it is neither sent again nor ignored by the breaker.
 */
export function unrepeatable(error: unknown): never {
  if (!(error instanceof MeshError) || !isStaleConnection(error)) throw error;
  throw new MeshError('CONNECTION_FAILED', `${error.message} (the call may have run; not sent again)`, {
    cause: error,
    data: { ...error.data, staleConnection: false, outcomeUnknown: true },
  });
}

/** A connection refused or reset: the provider is ejected for a short time. */
export function isConnectionFailure(error: unknown): boolean {
  return error instanceof MeshError && error.code === 'CONNECTION_FAILED';
}

export function isBreakerRejection(error: unknown): boolean {
  return error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError;
}

/** One breaker per provider: ConsecutiveBreaker(threshold) over transport failures only. */
export function createProviderBreaker(threshold: number, halfOpenAfterMs: number): CircuitBreakerPolicy {
  return circuitBreaker(handleWhen(isTransportFailure), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(threshold),
  });
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * Limits retries to a fraction of calls over a sliding window (two half-windows), plus a small floor,
 * so retries cannot multiply load on a struggling provider.
 */
export class RetryBudget {
  private previousCalls = 0;
  private currentCalls = 0;
  private previousRetries = 0;
  private currentRetries = 0;
  private bucketStart: number;

  constructor(
    private readonly ratio = 0.2,
    private readonly minPerWindow = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketStart = now();
  }

  private rotate(): void {
    const now = this.now();
    const half = this.windowMs / 2;
    if (now - this.bucketStart < half) return;
    const steps = Math.floor((now - this.bucketStart) / half);
    this.previousCalls = steps >= 2 ? 0 : this.currentCalls;
    this.previousRetries = steps >= 2 ? 0 : this.currentRetries;
    this.currentCalls = 0;
    this.currentRetries = 0;
    this.bucketStart += steps * half;
  }

  recordCall(): void {
    this.rotate();
    this.currentCalls += 1;
  }

  /** Takes one retry token when the budget allows. */
  tryRetry(): boolean {
    this.rotate();
    const calls = this.previousCalls + this.currentCalls;
    const retries = this.previousRetries + this.currentRetries;
    if (retries >= this.minPerWindow + calls * this.ratio) return false;
    this.currentRetries += 1;
    return true;
  }
}

/** Sleeps, waking early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
