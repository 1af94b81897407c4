import { MemoryCache } from '@mesh/backends';
import { describe, expect, it } from 'vitest';
import { BatchedCommits } from './batched-commits.js';
import { portsFromProxies, type ProxyLike, type SagaProxies } from './saga-ports.js';

type RecordingProxy = ProxyLike & { calls: Record<string, unknown>[] };

/** A proxy that records its calls and answers each with what `answer` makes of its arguments. */
function answeringProxy(
  answer: (args: Record<string, unknown>) => unknown,
  available = true,
): RecordingProxy {
  const calls: Record<string, unknown>[] = [];
  return {
    available,
    calls,
    async call<T>(args: Record<string, unknown>): Promise<T> {
      calls.push(args);
      return answer(args) as T;
    },
  };
}

/** A proxy that records its calls and answers `{}`. */
function recordingProxy(available = true): RecordingProxy {
  return answeringProxy(() => ({}), available);
}

function proxies(): SagaProxies & {
  analytics: ReturnType<typeof recordingProxy>;
  email: ReturnType<typeof recordingProxy>;
} {
  const unused = recordingProxy(false);
  return {
    quote: unused,
    user: unused,
    reserve: unused,
    release: unused,
    commit: unused,
    pay: unused,
    refund: unused,
    email: recordingProxy(),
    sms: unused,
    analytics: recordingProxy(),
  };
}

const event = {
  type: 'orders.completed',
  order_id: 'o-7',
  amount: 9.99,
  occurred_at: '2026-01-01T00:00:00.000Z',
};

describe('order events through the ports', () => {
  it('publishes on the bus with one message id per order and type, and calls nobody else', async () => {
    const deps = proxies();
    const published: { topic: string; messageId?: string }[] = [];
    const ports = portsFromProxies(deps, {
      bus: {
        async publish(topic, _payload, options) {
          published.push({ topic, messageId: options?.messageId });
          return true;
        },
      },
    });
    expect(await ports.recordEvent(event, { timeoutMs: 100 })).toBe('bus');
    expect(published).toEqual([{ topic: 'orders.completed', messageId: 'o-7:orders.completed' }]);
    expect(deps.analytics.calls).toEqual([]);
  });

  it('falls back to the analytics agent when the publish fails, and counts it', async () => {
    const deps = proxies();
    const fellBack: string[] = [];
    const ports = portsFromProxies(deps, {
      bus: { publish: async () => false },
      onFellBack: (topic) => fellBack.push(topic),
    });
    expect(await ports.recordEvent(event, { timeoutMs: 100 })).toBe('direct');
    expect(fellBack).toEqual(['orders.completed']);
    expect(deps.analytics.calls).toHaveLength(1);
  });

  it('publishes informational events on the bus only', async () => {
    const deps = proxies();
    const ports = portsFromProxies(deps);
    expect(await ports.publishEvent({ ...event, type: 'orders.created' }, { timeoutMs: 100 })).toBe(false);
    expect(deps.analytics.calls).toEqual([]);
  });

  it('sends the confirmation email with the idempotency key the event consumer uses too', async () => {
    const deps = proxies();
    const ports = portsFromProxies(deps);
    await ports.sendEmail(
      { to: 'a@example.com', subject: 's', body: 'b', order_id: 'o-7' },
      { timeoutMs: 100 },
    );
    expect(deps.email.calls).toEqual([
      {
        to: 'a@example.com',
        subject: 's',
        body: 'b',
        order_id: 'o-7',
        idempotency_key: 'order-confirmation:o-7',
      },
    ]);
  });
});

describe('fewer calls per order', () => {
  it('makes one inventory call for N concurrent commits', async () => {
    const deps = proxies();
    const commit = recordingProxy();
    const commitBatch = answeringProxy((args) => ({
      results: (args['reservation_ids'] as string[]).map((id) => ({
        reservation_id: id,
        status: 'committed',
      })),
    }));
    const commits = new BatchedCommits({ commit, commitBatch }, { maxBatch: 50, maxInFlight: 1 });
    const ports = portsFromProxies({ ...deps, commit }, { commits });
    const ids = Array.from({ length: 8 }, (_, i) => `res-${i}`);
    await Promise.all(ids.map((id) => ports.commit(id, { timeoutMs: 1_000 })));
    expect(commit.calls).toEqual([]);
    expect(commitBatch.calls).toEqual([{ reservation_ids: ids }]);
  });

  it('makes no user_get call for a second order by the same user', async () => {
    const deps = proxies();
    const user = answeringProxy((args) => ({
      id: args['user_id'],
      username: 'u',
      email: 'u@example.com',
      name: 'U',
    }));
    const profiles = { cache: new MemoryCache({ prefix: '', maxEntries: 10 }), ttlMs: 60_000 };
    const ports = portsFromProxies({ ...deps, user }, { profiles });
    const first = await ports.getUser('user-1', { timeoutMs: 1_000 });
    const second = await ports.getUser('user-1', { timeoutMs: 1_000 });
    expect(second).toEqual(first);
    expect(user.calls).toEqual([{ user_id: 'user-1' }]);
  });
});

describe('the charge through the ports', () => {
  it('says first_attempt only when the order was placed in this run', async () => {
    const pay = answeringProxy(() => ({ status: 'succeeded', payment_id: 'ch_1' }));
    const ports = portsFromProxies({ ...proxies(), pay });
    const request = { order_id: 'o-8', user_id: 'u-1', amount: 9.99 };
    await ports.charge({ ...request, first_attempt: true }, { timeoutMs: 100 });
    await ports.charge({ ...request, first_attempt: false }, { timeoutMs: 100 });
    expect(pay.calls).toEqual([{ ...request, first_attempt: true }, request]);
  });
});
