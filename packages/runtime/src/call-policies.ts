import type { MeshError } from '@mesh/common';
import {
  fullJitterDelay,
  isBreakerRejection,
  isStaleConnection,
  isTransportFailure,
  neverReachedProvider,
} from './resilience.js';
import type { RetryBudget } from './resilience.js';

/**
 * What a dependency call does after an attempt failed, as a chain of small policies. Each looks at the failed
 * attempt and either decides (send again, or give up) or passes to the next; nothing deciding means give up.
 * The per-provider circuit breaker (cockatiel, in `resilience.ts`) wraps each attempt; these decide between
 * attempts. Order matters and is the order of `CALL_POLICIES`.
 */

/** Where the next attempt may go. */
export type NextTarget =
  /** Any provider, the one just tried included (a dropped pooled connection says nothing about it). */
  | 'same-or-other'
  /** A provider not tried yet in this call (nothing ran on the last one). */
  | 'untried'
  /** Any provider after a backoff; the tried ones too once the untried are gone. */
  | 'any';

/** Send the call again. `reason` labels `mesh_dependency_retries_total`. */
export interface SendAgain {
  readonly reason: string;
  readonly target: NextTarget;
  readonly delayMs: number;
}

/** Give up: the caller gets the attempt's error. */
export const GIVE_UP = 'give-up';

export type Decision = SendAgain | typeof GIVE_UP;

/** One failed attempt as the policies see it. */
export interface FailedAttempt {
  readonly error: MeshError;
  /** What the attempt threw before it became a MeshError (a breaker rejection is not a MeshError). */
  readonly raw: unknown;
  /** The call may run twice: the consumer said so, sent an idempotency key, or the provider declared it. */
  readonly safe: boolean;
  /** Providers known for the capability right now. */
  readonly providers: number;
  readonly aborted: boolean;
}

/** What one call has spent so far; a fresh one per call. */
export interface AttemptCounts {
  staleResends: number;
  failovers: number;
  retries: number;
}

/** Settings and shared state the policies read. */
export interface PolicySettings {
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly budget: RetryBudget;
}

export type CallPolicy = (
  failure: FailedAttempt,
  counts: AttemptCounts,
  settings: PolicySettings,
) => Decision | undefined;

/** Resends of a safe call after a pooled connection dropped under it (each takes another pooled socket). */
export const MAX_STALE_RESENDS = 2;
const MAX_BACKOFF_MS = 2000;

/**
 * A pooled keep-alive connection the provider had closed: send a safe call again at once, to the same
 * provider if need be. Unsafe calls never get here as stale (`unrepeatable` turned them into failures).
 */
export const resendOnStaleConnection: CallPolicy = (failure, counts) => {
  if (!isStaleConnection(failure.error) || counts.staleResends >= MAX_STALE_RESENDS || failure.aborted)
    return undefined;
  counts.staleResends += 1;
  return { reason: 'stale_connection', target: 'same-or-other', delayMs: 0 };
};

/** The caller gave up (its signal aborted): nothing more is sent. */
export const stopWhenAborted: CallPolicy = (failure) => (failure.aborted ? GIVE_UP : undefined);

/**
 * Nothing ran on that provider (its breaker is open, it refused the connection or was draining): another one
 * at once, whether or not the call is safe, at most once per provider known.
 */
export const failOverWhenNotProcessed: CallPolicy = (failure, counts) => {
  if (!isBreakerRejection(failure.raw) && !neverReachedProvider(failure.error)) return undefined;
  if (counts.failovers >= failure.providers) return GIVE_UP;
  counts.failovers += 1;
  return { reason: 'failover', target: 'untried', delayMs: 0 };
};

/**
 * A transport failure (timeout, connection lost, remote crash) of a safe call: again after exponential
 * backoff with full jitter, within the call's retry count and the agent's shared retry budget.
 */
export const retryWithBackoff: CallPolicy = (failure, counts, settings) => {
  const retryable = isTransportFailure(failure.error) || isStaleConnection(failure.error);
  if (!failure.safe || !retryable || counts.retries >= settings.maxRetries) return undefined;
  if (!settings.budget.tryRetry()) return undefined;
  counts.retries += 1;
  const delayMs = fullJitterDelay(counts.retries - 1, settings.retryDelayMs, MAX_BACKOFF_MS);
  return { reason: failure.error.code, target: 'any', delayMs };
};

/** The chain every dependency call uses, first to last. */
export const CALL_POLICIES: readonly CallPolicy[] = [
  resendOnStaleConnection,
  stopWhenAborted,
  failOverWhenNotProcessed,
  retryWithBackoff,
];

/** Runs the chain: the first policy that decides wins; none deciding means give up. */
export function decideNext(
  failure: FailedAttempt,
  counts: AttemptCounts,
  settings: PolicySettings,
  policies: readonly CallPolicy[] = CALL_POLICIES,
): Decision {
  for (const policy of policies) {
    const decision = policy(failure, counts, settings);
    if (decision !== undefined) return decision;
  }
  return GIVE_UP;
}
