import { describe, expect, it } from 'vitest';
import { BrokenCircuitError } from 'cockatiel';
import { MeshError } from '@mesh/common';
import { GIVE_UP, MAX_STALE_RESENDS, decideNext } from './call-policies.js';
import type { AttemptCounts, FailedAttempt, PolicySettings } from './call-policies.js';
import { RetryBudget } from './resilience.js';

const timeout = new MeshError('TIMEOUT', 'no answer in time');
const stale = new MeshError('CONNECTION_FAILED', 'socket hang up', { data: { staleConnection: true } });
const refused = new MeshError('CONNECTION_FAILED', 'refused', { data: { notProcessed: true } });
const business = new MeshError('OUT_OF_STOCK', 'no stock', { data: { remote: true } });

function failure(error: MeshError, extra: Partial<FailedAttempt> = {}): FailedAttempt {
  return { error, raw: error, safe: true, providers: 2, aborted: false, ...extra };
}

function fresh(): AttemptCounts {
  return { staleResends: 0, failovers: 0, retries: 0 };
}

function settings(extra: Partial<PolicySettings> = {}): PolicySettings {
  return { maxRetries: 2, retryDelayMs: 100, budget: new RetryBudget(), ...extra };
}

describe('decideNext', () => {
  it('resends a safe call at once after a stale pooled connection, to the same provider if need be, twice at most', () => {
    const counts = fresh();
    for (let i = 0; i < MAX_STALE_RESENDS; i += 1) {
      expect(decideNext(failure(stale), counts, settings())).toEqual({
        reason: 'stale_connection',
        target: 'same-or-other',
        delayMs: 0,
      });
    }
    // Then a stale connection counts as a transport failure: retried after a backoff.
    const next = decideNext(failure(stale), counts, settings());
    expect(next).toMatchObject({ reason: 'CONNECTION_FAILED', target: 'any' });
  });

  it('gives up on anything once the caller aborted', () => {
    expect(decideNext(failure(timeout, { aborted: true }), fresh(), settings())).toBe(GIVE_UP);
    expect(decideNext(failure(stale, { aborted: true }), fresh(), settings())).toBe(GIVE_UP);
  });

  it('fails over to an untried provider when nothing ran, even for an unsafe call, once per provider', () => {
    const counts = fresh();
    const notSafe = failure(refused, { safe: false, providers: 2 });
    expect(decideNext(notSafe, counts, settings())).toEqual({
      reason: 'failover',
      target: 'untried',
      delayMs: 0,
    });
    expect(decideNext(notSafe, counts, settings())).toEqual({
      reason: 'failover',
      target: 'untried',
      delayMs: 0,
    });
    expect(decideNext(notSafe, counts, settings())).toBe(GIVE_UP);
  });

  it('treats an open breaker as nothing ran', () => {
    const raw = new BrokenCircuitError();
    const open = new MeshError('CIRCUIT_OPEN', 'open');
    expect(decideNext(failure(open, { raw, safe: false }), fresh(), settings())).toMatchObject({
      reason: 'failover',
    });
  });

  it('retries a safe transport failure after a jittered backoff within the retry count', () => {
    const counts = fresh();
    const first = decideNext(failure(timeout), counts, settings({ retryDelayMs: 100 }));
    expect(first).toMatchObject({ reason: 'TIMEOUT', target: 'any' });
    expect(first !== GIVE_UP && first.delayMs).toBeLessThan(100);
    const second = decideNext(failure(timeout), counts, settings({ retryDelayMs: 100 }));
    expect(second !== GIVE_UP && second.delayMs).toBeLessThan(200);
    expect(decideNext(failure(timeout), counts, settings())).toBe(GIVE_UP);
  });

  it('never retries an unsafe call or a business error', () => {
    expect(decideNext(failure(timeout, { safe: false }), fresh(), settings())).toBe(GIVE_UP);
    expect(decideNext(failure(business), fresh(), settings())).toBe(GIVE_UP);
  });

  it('gives up when the shared retry budget is spent', () => {
    const budget = new RetryBudget(0, 1);
    expect(decideNext(failure(timeout), fresh(), settings({ budget }))).not.toBe(GIVE_UP);
    expect(decideNext(failure(timeout), fresh(), settings({ budget }))).toBe(GIVE_UP);
  });
});
