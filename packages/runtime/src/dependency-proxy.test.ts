import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@mesh/testkit';
import { silentLogger, newTraceContext } from '@mesh/common';
import { MeshError, defineAgent } from './index.js';
import type { DependencySpec, MeshConfig, RunningAgent } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';
import { scrape, sampleValue } from './test-metrics.js';
import { ok, startRawProvider, toolError } from './test-raw-provider.js';
import type { RawCall, RawProvider, RawReply } from './test-raw-provider.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const provider = (script: (call: RawCall, index: number) => RawReply): Promise<RawProvider> =>
  startRawProvider(script, cleanups);

/** A consumer-only agent of `thing` (served by `providers`), and the running agent for its /metrics. */
async function consumerAgentOf(
  providers: { id: string; endpoint: string; kwargs?: Record<string, unknown> }[],
  spec: Omit<DependencySpec, 'capability'> = {},
  mesh: Partial<MeshConfig> = {},
) {
  const registry = new FakeRegistry();
  const registryUrl = await registry.start();
  for (const entry of providers) registry.addStatic(entry.id, 'thing', entry.endpoint, 'thing', entry.kwargs);
  const agent = defineAgent({ name: 'proxy-test' });
  const deps = agent.consumer({ thing: { capability: 'thing', ...spec } });
  const running: RunningAgent = await agent.start({
    app: undefined,
    mesh: { registryUrl, healthIntervalMs: 60_000, retryDelayMs: 5, ...mesh },
    logger: silentLogger(),
  });
  cleanups.push(async () => {
    await running.stop();
    await registry.stop();
  });
  return { thing: deps.thing, running };
}

async function consumerOf(...args: Parameters<typeof consumerAgentOf>) {
  return (await consumerAgentOf(...args)).thing;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error: unknown) {
    return error instanceof MeshError ? error.code : `not a MeshError: ${String(error)}`;
  }
}

describe('DependencyProxy', () => {
  it('fails with DEPENDENCY_UNAVAILABLE and reports unavailable when nothing provides the capability', async () => {
    const thing = await consumerOf([]);
    expect(thing.available).toBe(false);
    expect(thing.providers).toBe(0);
    expect(await codeOf(thing.call({}))).toBe('DEPENDENCY_UNAVAILABLE');
  });

  it('fails over at once to a live replica when another refuses connections, even for unsafe calls', async () => {
    const live = await provider((call) => ok(call, { from: 'live' }));
    const dead = `http://127.0.0.1:${await freePort()}`;
    const thing = await consumerOf([
      { id: 'dead', endpoint: dead },
      { id: 'live', endpoint: live.endpoint },
    ]);
    for (let i = 0; i < 10; i += 1) await expect(thing.call({ i })).resolves.toEqual({ from: 'live' });
    expect(live.calls).toHaveLength(10);
  });

  it('skips a provider that refused a connection on the calls after, instead of failing over each time', async () => {
    const live = await provider((call) => ok(call, { from: 'live' }));
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { thing, running } = await consumerAgentOf([
      { id: 'dead', endpoint: dead },
      { id: 'live', endpoint: live.endpoint },
    ]);
    for (let i = 0; i < 20; i += 1) await expect(thing.call({ i })).resolves.toEqual({ from: 'live' });
    // At most the first call met the dead endpoint; it was ejected from then on.
    const failovers = sampleValue(await scrape(running.url), 'mesh_dependency_retries_total', {
      reason: 'failover',
    });
    expect(failovers).toBeLessThanOrEqual(1);
    expect(live.calls).toHaveLength(20);
  });

  it('rethrows a remote business error with the same code and never retries it', async () => {
    const raw = await provider((call) => toolError(call, 'OUT_OF_STOCK', 'none left'));
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }], { idempotent: true, retries: 3 });
    const error = await thing.call({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).code).toBe('OUT_OF_STOCK');
    expect((error as MeshError).data).toMatchObject({ remote: true, provider: 'p1' });
    expect(raw.calls).toHaveLength(1);
  });

  it('retries an idempotent dependency on a transport failure and succeeds', async () => {
    const raw = await provider((call, index) =>
      index === 0 ? { status: 500, body: 'boom' } : ok(call, { attempt: index }),
    );
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }], { idempotent: true, retries: 2 });
    await expect(thing.call({})).resolves.toEqual({ attempt: 1 });
    expect(raw.calls).toHaveLength(2);
  });

  it('does not retry a non-idempotent call without an idempotency key', async () => {
    const raw = await provider((call, index) => (index === 0 ? { status: 500, body: 'boom' } : ok(call, {})));
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }]);
    expect(await codeOf(thing.call({}))).toBe('REMOTE_ERROR');
    expect(raw.calls).toHaveLength(1);
  });

  it('retries a transport failure when the provider declares its tool idempotent, though the consumer does not', async () => {
    const raw = await provider((call, index) =>
      index === 0 ? { status: 500, body: 'boom' } : ok(call, { attempt: index }),
    );
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint, kwargs: { idempotent: true } }]);
    await expect(thing.call({})).resolves.toEqual({ attempt: 1 });
    expect(raw.calls).toHaveLength(2);
  });

  it('does not retry a transport failure when neither the consumer nor the provider declares idempotency', async () => {
    const raw = await provider((call, index) => (index === 0 ? { status: 500, body: 'boom' } : ok(call, {})));
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint, kwargs: { idempotent: false } }]);
    expect(await codeOf(thing.call({}))).toBe('REMOTE_ERROR');
    expect(raw.calls).toHaveLength(1);
  });

  it('sends an idempotent call again when the pooled connection it took was closed by the only provider', async () => {
    // The second call reuses the first call's keep-alive connection, which the provider drops unanswered, as
    // a server closing an idle connection does. The call is safe to repeat, so it goes again (not a retry).
    const raw = await provider((call, index) => (index === 1 ? 'reset' : ok(call, { n: index })));
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }], { idempotent: true, retries: 0 });
    await expect(thing.call({})).resolves.toEqual({ n: 0 });
    await expect(thing.call({})).resolves.toEqual({ n: 2 });
    expect(raw.calls).toHaveLength(3);
    expect(thing.available).toBe(true);
  });

  it('fails with CONNECTION_FAILED and an unknown outcome, without sending again, when a pooled connection drops an unsafe call', async () => {
    // The same reset could be a provider dying after it ran the call: a call that is not safe to repeat is
    // never sent twice.
    const raw = await provider((call, index) => (index === 1 ? 'reset' : ok(call, { n: index })));
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }]);
    await expect(thing.call({})).resolves.toEqual({ n: 0 });
    const error = await thing.call({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).code).toBe('CONNECTION_FAILED');
    expect((error as MeshError).data).toMatchObject({
      provider: 'p1',
      reusedConnection: true,
      outcomeUnknown: true,
    });
    expect(raw.calls).toHaveLength(2);
  });

  it('never runs a non-idempotent call twice when its provider dies mid-call, not even on another replica', async () => {
    let armed = false;
    const script = (call: RawCall): RawReply => {
      if (!armed) return ok(call, {});
      armed = false;
      return 'crash';
    };
    const replicas = [await provider(script), await provider(script)];
    const thing = await consumerOf(
      replicas.map((raw, index) => ({ id: `p${index}`, endpoint: raw.endpoint })),
    );
    // Warm a pooled connection to each replica, so the fatal call goes out on a reused one.
    for (let i = 0; i < 50 && replicas.some((raw) => raw.calls.length === 0); i += 1) await thing.call({});
    expect(replicas.every((raw) => raw.calls.length > 0)).toBe(true);
    const before = replicas[0]!.calls.length + replicas[1]!.calls.length;
    armed = true;
    const error = await thing.call({ charge: 1 }).catch((caught: unknown) => caught);
    const executions = replicas[0]!.calls.length + replicas[1]!.calls.length - before;
    expect(executions).toBe(1);
    expect((error as MeshError).code).toBe('CONNECTION_FAILED');
    expect((error as MeshError).data).toMatchObject({ reusedConnection: true, outcomeUnknown: true });
  });

  it('retries a call with an idempotency key and sends the key downstream', async () => {
    const raw = await provider((call, index) => (index === 0 ? 'reset' : ok(call, { done: true })));
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }]);
    await expect(thing.call({}, { idempotencyKey: 'order-1' })).resolves.toEqual({ done: true });
    expect(raw.calls).toHaveLength(2);
    expect(raw.calls[1]!.headers['x-mesh-idempotency-key']).toBe('order-1');
  });

  it('keeps retries of an always-failing idempotent provider within the retry budget', async () => {
    const raw = await provider(() => ({ status: 500, body: 'down' }));
    const { thing, running } = await consumerAgentOf(
      [{ id: 'p1', endpoint: raw.endpoint }],
      { idempotent: true, retries: 5 },
      { retryDelayMs: 1, circuitBreakerThreshold: 1000 },
    );
    const calls = 20;
    for (let i = 0; i < calls; i += 1) expect(await codeOf(thing.call({ i }))).toBe('REMOTE_ERROR');
    // The budget: retries stay under 10 per window plus 20% of calls (100 without it: 5 per call).
    const retries = raw.calls.length - calls;
    expect(retries).toBeLessThanOrEqual(10 + 0.2 * calls);
    expect(retries).toBeGreaterThanOrEqual(10);
    const counted = sampleValue(await scrape(running.url), 'mesh_dependency_retries_total', {
      reason: 'REMOTE_ERROR',
    });
    expect(counted).toBe(retries);
  });

  it('fails with TIMEOUT when the provider does not answer within the timeout', async () => {
    const raw = await provider(() => 'hang');
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }], { timeoutMs: 100 });
    expect(await codeOf(thing.call({}))).toBe('TIMEOUT');
  });

  it('opens the breaker after the threshold of timeouts and then fails fast with CIRCUIT_OPEN', async () => {
    const raw = await provider(() => 'hang');
    const thing = await consumerOf(
      [{ id: 'p1', endpoint: raw.endpoint }],
      { timeoutMs: 50 },
      { circuitBreakerThreshold: 3, circuitHalfOpenAfterMs: 60_000 },
    );
    for (let i = 0; i < 3; i += 1) expect(await codeOf(thing.call({}))).toBe('TIMEOUT');
    expect(await codeOf(thing.call({}))).toBe('CIRCUIT_OPEN');
    expect(thing.available).toBe(false);
    expect(raw.calls).toHaveLength(3);
  });

  it('lets a trial call through after the half-open delay and closes the breaker when it succeeds', async () => {
    let hang = true;
    const raw = await provider((call) => (hang ? 'hang' : ok(call, { back: true })));
    const thing = await consumerOf(
      [{ id: 'p1', endpoint: raw.endpoint }],
      { timeoutMs: 50 },
      { circuitBreakerThreshold: 2, circuitHalfOpenAfterMs: 200 },
    );
    for (let i = 0; i < 2; i += 1) await codeOf(thing.call({}));
    expect(await codeOf(thing.call({}))).toBe('CIRCUIT_OPEN');
    hang = false;
    await expect.poll(() => codeOf(thing.call({})), { timeout: 3000, interval: 50 }).toBe('ok');
    expect(thing.available).toBe(true);
  });

  it('propagates the trace id and a deadline no later than the timeout', async () => {
    const raw = await provider((call) => ok(call, {}));
    const thing = await consumerOf([{ id: 'p1', endpoint: raw.endpoint }], { timeoutMs: 1500 });
    const trace = newTraceContext();
    const before = Date.now();
    await thing.call({}, { trace });
    const headers = raw.calls[0]!.headers;
    expect(headers['traceparent']).toMatch(new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-01$`));
    const deadline = Number(headers['x-mesh-deadline']);
    expect(deadline).toBeGreaterThanOrEqual(before + 1500);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 1500);
  });
});
