import { MeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { BatchedOutbound, type OutboundProxies } from './batched-outbound.js';
import type { ProxyLike } from './saga-ports.js';

/** A proxy recording its calls and answering with `reply(args)`. */
class FakeProxy implements ProxyLike {
  readonly calls: { args: Record<string, unknown>; opts: unknown }[] = [];
  constructor(
    public available: boolean,
    private readonly reply: (args: Record<string, unknown>) => unknown = () => ({}),
  ) {}

  call<T>(args: Record<string, unknown>, opts?: unknown): Promise<T> {
    this.calls.push({ args, opts });
    try {
      return Promise.resolve(this.reply(args) as T);
    } catch (error: unknown) {
      return Promise.reject(error as Error);
    }
  }
}

const settings = { maxBatch: 10, emailDelayMs: 5, eventDelayMs: 5, timeoutMs: 1_000, maxQueued: 100 };
const trace = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), sampled: true };
const email = (orderId: string, to = `${orderId}@example.com`) => ({
  to,
  subject: `Order ${orderId} confirmed`,
  body: 'Thanks',
  order_id: orderId,
});
const event = (orderId: string) => ({
  type: 'orders.completed',
  order_id: orderId,
  amount: 1,
  occurred_at: new Date(0).toISOString(),
});

function proxies(
  overrides: Partial<Record<keyof OutboundProxies, FakeProxy>>,
): Record<keyof OutboundProxies, FakeProxy> {
  return {
    email: new FakeProxy(true),
    emailBatch: new FakeProxy(false),
    analytics: new FakeProxy(true),
    analyticsBatch: new FakeProxy(false),
    ...overrides,
  };
}

describe('BatchedOutbound', () => {
  it('sends concurrent emails in one notification_send_emails call with the first trace and settles each by its receipt', async () => {
    const emailBatch = new FakeProxy(true, (args) => ({
      receipts: (args['messages'] as { to: string }[]).map((message) =>
        message.to.startsWith('bad')
          ? { accepted: false, error: 'to: Invalid email address' }
          : { accepted: true },
      ),
    }));
    const deps = proxies({ emailBatch });
    const outbound = new BatchedOutbound(deps, settings);
    const results = await Promise.allSettled([
      outbound.sendEmail(email('o-1'), { timeoutMs: 100, trace }),
      outbound.sendEmail(email('o-2', 'bad-address'), { timeoutMs: 100 }),
      outbound.sendEmail(email('o-3'), { timeoutMs: 100 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/Invalid email address/);
    expect(emailBatch.calls).toHaveLength(1);
    expect((emailBatch.calls[0]?.args['messages'] as unknown[]).length).toBe(3);
    expect(emailBatch.calls[0]?.opts).toEqual({ timeoutMs: 1_000, trace });
    expect(deps.email.calls).toHaveLength(0);
  });

  it('falls back to one notification_send_email call per message, keyed by order, when no batch tool is offered', async () => {
    const deps = proxies({});
    const outbound = new BatchedOutbound(deps, settings);
    await Promise.all([
      outbound.sendEmail(email('o-1'), { timeoutMs: 100 }),
      outbound.sendEmail(email('o-2'), { timeoutMs: 100 }),
    ]);
    expect(deps.email.calls.map((call) => call.args['order_id'])).toEqual(['o-1', 'o-2']);
    expect(deps.email.calls[0]?.opts).toMatchObject({ idempotencyKey: 'email:o-1' });
  });

  it('rejects every email of a batch whose call failed', async () => {
    const emailBatch = new FakeProxy(true, () => {
      throw new MeshError('TIMEOUT', 'notification_send_emails timed out');
    });
    const outbound = new BatchedOutbound(proxies({ emailBatch }), settings);
    const results = await Promise.allSettled([
      outbound.sendEmail(email('o-1'), { timeoutMs: 100 }),
      outbound.sendEmail(email('o-2'), { timeoutMs: 100 }),
    ]);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
  });

  it('records concurrent events in one analytics_record_events call and rejects only the ones listed as rejected', async () => {
    const analyticsBatch = new FakeProxy(true, () => ({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, error: 'order_id: too long' }],
    }));
    const deps = proxies({ analyticsBatch });
    const outbound = new BatchedOutbound(deps, settings);
    const results = await Promise.allSettled([
      outbound.recordEvent(event('o-1'), { timeoutMs: 100 }),
      outbound.recordEvent(event('o-2'), { timeoutMs: 100 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect(analyticsBatch.calls).toHaveLength(1);
    expect(deps.analytics.calls).toHaveLength(0);
  });

  it('says events have nowhere to go when neither analytics tool is available', () => {
    const outbound = new BatchedOutbound(
      proxies({ analytics: new FakeProxy(false), analyticsBatch: new FakeProxy(false) }),
      settings,
    );
    expect(outbound.canRecordEvents).toBe(false);
  });

  it('drain sends waiting items at once', async () => {
    const deps = proxies({ analyticsBatch: new FakeProxy(true, () => ({ rejected: [] })) });
    const outbound = new BatchedOutbound(deps, { ...settings, eventDelayMs: 60_000 });
    const recorded = outbound.recordEvent(event('o-9'), { timeoutMs: 100 });
    await outbound.drain();
    await recorded;
    expect(deps.analyticsBatch.calls).toHaveLength(1);
  });
});
