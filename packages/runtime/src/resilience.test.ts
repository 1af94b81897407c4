import { describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/common';
import {
  RetryBudget,
  fullJitterDelay,
  isStaleConnection,
  isTransportFailure,
  neverReachedProvider,
  unrepeatable,
} from './resilience.js';

describe('fullJitterDelay', () => {
  it('stays within zero and the capped exponential ceiling', () => {
    expect(fullJitterDelay(0, 100, 2000, () => 0.999)).toBeLessThan(100);
    expect(fullJitterDelay(3, 100, 2000, () => 0.999)).toBeLessThan(800);
    expect(fullJitterDelay(3, 100, 2000, () => 0.999)).toBeGreaterThan(790);
    expect(fullJitterDelay(10, 100, 2000, () => 0.999)).toBeLessThan(2000);
    expect(fullJitterDelay(10, 100, 2000, () => 0)).toBe(0);
  });
});

describe('RetryBudget', () => {
  it('allows retries up to the floor plus the ratio of calls, then refuses', () => {
    let now = 0;
    const budget = new RetryBudget(0.2, 2, 10_000, () => now);
    for (let i = 0; i < 10; i += 1) budget.recordCall();
    const granted = Array.from({ length: 10 }, () => budget.tryRetry()).filter(Boolean).length;
    expect(granted).toBe(4);
    now = 20_000;
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('failure classification', () => {
  it('treats timeouts, connection failures and bad responses as transport failures', () => {
    expect(isTransportFailure(new MeshError('TIMEOUT', 't'))).toBe(true);
    expect(isTransportFailure(new MeshError('CONNECTION_FAILED', 'c'))).toBe(true);
    expect(isTransportFailure(new MeshError('REMOTE_ERROR', 'r'))).toBe(true);
  });

  it('never counts remote business errors or cancellations against a provider', () => {
    expect(isTransportFailure(new MeshError('OUT_OF_STOCK', 'x', { data: { remote: true } }))).toBe(false);
    expect(isTransportFailure(new MeshError('REMOTE_ERROR', 'x', { data: { remote: true } }))).toBe(false);
    expect(isTransportFailure(new MeshError('TIMEOUT', 'x', { data: { cancelled: true } }))).toBe(false);
    expect(isTransportFailure(new Error('plain'))).toBe(false);
  });

  it('knows a refused connection never reached the provider', () => {
    expect(
      neverReachedProvider(new MeshError('CONNECTION_FAILED', 'x', { data: { notProcessed: true } })),
    ).toBe(true);
    expect(
      neverReachedProvider(new MeshError('CONNECTION_FAILED', 'x', { data: { notProcessed: false } })),
    ).toBe(false);
  });

  it('turns a dropped pooled connection of an unsafe call into a counted failure with an unknown outcome', () => {
    const stale = new MeshError('CONNECTION_FAILED', 'p1: socket hang up', {
      data: { provider: 'p1', staleConnection: true, notProcessed: false },
    });
    let thrown: unknown;
    try {
      unrepeatable(stale);
    } catch (error: unknown) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MeshError);
    expect((thrown as MeshError).code).toBe('CONNECTION_FAILED');
    expect((thrown as MeshError).data).toMatchObject({ provider: 'p1', outcomeUnknown: true });
    expect(isStaleConnection(thrown)).toBe(false);
    expect(neverReachedProvider(thrown)).toBe(false);
    expect(isTransportFailure(thrown)).toBe(true);
  });

  it('rethrows any other failure of an unsafe call unchanged', () => {
    const timeout = new MeshError('TIMEOUT', 't');
    expect(() => unrepeatable(timeout)).toThrow(timeout);
  });
});
