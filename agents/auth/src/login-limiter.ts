import { MeshError } from '@mesh/common';
import type { SharedStore } from '@mesh/backends';

/** One login attempt as the limiter sees it. */
export interface LoginAttempt {
  readonly username: string;
  /** The client's IP address as the gateway saw it; undefined for direct mesh callers (counted as one). */
  readonly address?: string | undefined;
}

/** Failures allowed, per kind of key, before the next attempt must wait. */
export interface FreeFailures {
  /** One username from one address: a single client guessing one password. */
  readonly pair: number;
  /** One address, any usernames: one client spraying many accounts. */
  readonly address: number;
  /** One username from any address: many clients guessing one account (a distributed attack). */
  readonly username: number;
}

export interface LoginLimiterOptions {
  readonly state: SharedStore;
  readonly free: FreeFailures;
  /** The first delay once a key is past its free failures; each further failure doubles it. */
  readonly baseDelayMs: number;
  /** No delay grows past this. */
  readonly maxDelayMs: number;
  /** How long failures are remembered (a fixed window of the shared store). */
  readonly windowMs: number;
  /** How long a successful login keeps its address known for that username. */
  readonly knownAddressMs: number;
}

/**
 * Login throttle with growing delays, in the shared store so N replicas do not give an attacker N times the
 * attempts. Each failure counts against three keys: the username from that address, the address, and the
 * username from anywhere. Past a key's free failures it is refused for `base * 2^(extra failures)`, capped.
 *
 * Nobody is locked out by someone else: the username-from-anywhere key never refuses an address that logged
 * in to that account before (its owner's), and the per-address keys only refuse the address that failed, so
 * a correct password from another address still logs in. Only failures count (not attempts), so clients that
 * log in often are never slowed.
 */
export interface LoginLimiter {
  /** Throws RATE_LIMITED (data.retryAfterSeconds) while the attempt must wait. Call before the password. */
  assertAllowed(attempt: LoginAttempt): Promise<void>;
  /** Counts a failure against every key of the attempt and starts their delays. */
  recordFailure(attempt: LoginAttempt): Promise<void>;
  /** A correct password: the pair's failures no longer count, and the address becomes known to the user. */
  recordSuccess(attempt: LoginAttempt): Promise<void>;
}

type Kind = keyof FreeFailures;

const FAILURES = 'login-failures:';
const BLOCKED = 'login-blocked:';
const KNOWN = 'login-known:';
/** Stands for every caller that gives no address (direct mesh calls). */
const NO_ADDRESS = '-';

/**
 * The wait after a key's `failures`-th failure when `free` are allowed: none before the free ones are used
 * up, then base, 2 x base, 4 x base… never more than max.
 */
export function backoffDelayMs(
  failures: number,
  free: number,
  baseDelayMs: number,
  maxDelayMs: number,
): number {
  if (failures < free) return 0;
  // 2^30 x any sane base is past every cap; bounding the exponent keeps the arithmetic finite.
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - free, 30));
}

function keysOf(attempt: LoginAttempt): Record<Kind, string> {
  const username = attempt.username.toLowerCase();
  const address = attempt.address ?? NO_ADDRESS;
  return { pair: `pair:${username}|${address}`, address: `addr:${address}`, username: `user:${username}` };
}

export function createLoginLimiter(options: LoginLimiterOptions): LoginLimiter {
  const { state, free, baseDelayMs, maxDelayMs, windowMs, knownAddressMs } = options;
  const knownKey = (attempt: LoginAttempt): string =>
    `${KNOWN}${attempt.username.toLowerCase()}|${attempt.address ?? NO_ADDRESS}`;

  return {
    async assertAllowed(attempt) {
      const keys = keysOf(attempt);
      const [pair, address, username] = await Promise.all([
        state.flagTtlMs(BLOCKED + keys.pair),
        state.flagTtlMs(BLOCKED + keys.address),
        state.flagTtlMs(BLOCKED + keys.username),
      ]);
      // The account-wide delay exists for attackers spread over many addresses; its owner's usual address
      // is exempt, so an attack on an account cannot keep its owner out.
      const accountWide = username > 0 && !(await state.hasFlag(knownKey(attempt))) ? username : 0;
      const waitMs = Math.max(pair, address, accountWide);
      if (waitMs <= 0) return;
      throw new MeshError('RATE_LIMITED', 'too many failed logins; try again later', {
        data: { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) },
      });
    },

    async recordFailure(attempt) {
      const keys = keysOf(attempt);
      await Promise.all(
        (Object.keys(keys) as Kind[]).map(async (kind) => {
          const failures = await state.hit(FAILURES + keys[kind], windowMs);
          const delay = backoffDelayMs(failures, free[kind], baseDelayMs, maxDelayMs);
          if (delay > 0) await state.setFlag(BLOCKED + keys[kind], delay);
        }),
      );
    },

    async recordSuccess(attempt) {
      const keys = keysOf(attempt);
      await Promise.all([
        state.resetCount(FAILURES + keys.pair, windowMs),
        state.setFlag(knownKey(attempt), knownAddressMs),
      ]);
    },
  };
}
