import { MeshError } from '@mesh/common';
import type { SharedStore } from '@mesh/backends';

export interface LoginLimiterOptions {
  readonly state: SharedStore;
  /** Failed logins allowed per username in one window; the next attempt is refused. */
  readonly maxFailures: number;
  readonly windowMs: number;
}

/**
 * Per-username login throttle in the shared store, so N replicas do not give an attacker N times the
 * attempts. Counting failures (not attempts) keeps legitimate load tests that log in often unaffected.
 */
export interface LoginLimiter {
  /** Throws RATE_LIMITED while the username is locked out. Call before checking the password. */
  assertAllowed(username: string): Promise<void>;
  /** Counts a failure; returns how many this window. */
  recordFailure(username: string): Promise<number>;
  /** A correct password: earlier failures no longer count towards a lockout. */
  recordSuccess(username: string): Promise<void>;
}

const FAILURES = 'login-failures:';
const LOCKED = 'login-locked:';

function keyFor(username: string): string {
  return username.toLowerCase();
}

export function createLoginLimiter(options: LoginLimiterOptions): LoginLimiter {
  const { state, maxFailures, windowMs } = options;
  return {
    async assertAllowed(username) {
      if (await state.hasFlag(LOCKED + keyFor(username))) {
        throw new MeshError('RATE_LIMITED', 'too many failed logins; try again later', {
          data: { retry_after_ms: windowMs },
        });
      }
    },
    async recordFailure(username) {
      const failures = await state.hit(FAILURES + keyFor(username), windowMs);
      if (failures >= maxFailures) await state.setFlag(LOCKED + keyFor(username), windowMs);
      return failures;
    },
    async recordSuccess(username) {
      await state.resetCount(FAILURES + keyFor(username), windowMs);
    },
  };
}
