import { isMeshError, type Logger } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { isTransientConnectError, retryAtStartup } from './startup-retry.js';

/** A logger that keeps warn lines, and a clock that moves only when the retry sleeps. */
function harness() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
    info: () => undefined,
  } as unknown as Logger;
  let now = 0;
  const sleeps: number[] = [];
  return {
    warnings,
    sleeps,
    options: {
      logger,
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    },
  };
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });

describe('retryAtStartup', () => {
  it('retries a refused connection with growing, bounded delays, logging each retry with its reason', async () => {
    const { warnings, sleeps, options } = harness();
    let calls = 0;
    const value = await retryAtStartup(
      async () => {
        calls += 1;
        if (calls <= 6) throw refused();
        return 'connected';
      },
      { ...options, what: 'RabbitMQ', timeoutMs: 60_000, initialDelayMs: 250, maxDelayMs: 2000 },
    );
    expect(value).toBe('connected');
    expect(calls).toBe(7);
    expect(sleeps).toEqual([250, 500, 1000, 2000, 2000, 2000]);
    expect(warnings).toHaveLength(6);
    expect(warnings[0]).toEqual({
      message: 'RabbitMQ not reachable yet; retrying',
      fields: {
        err: 'connect ECONNREFUSED 127.0.0.1:5672',
        code: 'ECONNREFUSED',
        attempt: 1,
        retry_in_ms: 250,
      },
    });
  });

  it('gives up with DEPENDENCY_UNAVAILABLE once the time is spent, keeping the last error as the cause', async () => {
    const { options } = harness();
    let caught: unknown;
    try {
      await retryAtStartup(
        async () => {
          throw refused();
        },
        { ...options, what: 'PostgreSQL', timeoutMs: 10_000, initialDelayMs: 1000, maxDelayMs: 4000 },
      );
    } catch (error: unknown) {
      caught = error;
    }
    expect(isMeshError(caught, 'DEPENDENCY_UNAVAILABLE')).toBe(true);
    expect((caught as Error).message).toBe(
      'PostgreSQL not reachable within 10 s (5 attempts): connect ECONNREFUSED 127.0.0.1:5672',
    );
    expect((caught as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('never sleeps past the deadline', async () => {
    const { sleeps, options } = harness();
    await expect(
      retryAtStartup(
        async () => {
          throw refused();
        },
        { ...options, what: 'x', timeoutMs: 1200, initialDelayMs: 1000, maxDelayMs: 5000 },
      ),
    ).rejects.toThrow(/within 1.2 s \(3 attempts\)/);
    expect(sleeps).toEqual([1000, 200]);
  });

  it('rethrows an error that waiting cannot cure at once (bad password, unknown database)', async () => {
    const { warnings, options } = harness();
    const denied = Object.assign(new Error('password authentication failed for user "mesh"'), {
      code: '28P01',
    });
    let calls = 0;
    await expect(
      retryAtStartup(
        async () => {
          calls += 1;
          throw denied;
        },
        { ...options, what: 'PostgreSQL', timeoutMs: 60_000 },
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('tries once when the timeout is 0', async () => {
    const { options } = harness();
    await expect(
      retryAtStartup(
        async () => {
          throw refused();
        },
        { ...options, what: 'x', timeoutMs: 0 },
      ),
    ).rejects.toThrow(/\(1 attempt\)/);
  });
});

describe('isTransientConnectError', () => {
  it('knows refused, reset, unresolved and timed-out connections and a server that is starting', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P03'])
      expect(isTransientConnectError(Object.assign(new Error(code), { code })), code).toBe(true);
    expect(isTransientConnectError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientConnectError(new Error('Socket closed abruptly during opening handshake'))).toBe(true);
    const both = Object.assign(new AggregateError([refused(), refused()], 'all failed'), {
      code: 'ECONNREFUSED',
    });
    expect(isTransientConnectError(both)).toBe(true);
  });

  it('leaves credentials, permissions and everything else alone', () => {
    expect(isTransientConnectError(Object.assign(new Error('auth'), { code: '28P01' }))).toBe(false);
    expect(isTransientConnectError(new Error('Handshake terminated by server: 403 (ACCESS-REFUSED)'))).toBe(
      false,
    );
    expect(isTransientConnectError('ECONNREFUSED')).toBe(false);
  });
});
