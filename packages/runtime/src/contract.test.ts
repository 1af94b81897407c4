import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { MeshError, defineAgent, z } from './index.js';
import type { CapabilityContract, DependencyDecls, DependencyProxies } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';
import { RawProvider, ok } from './test-raw-provider.js';
import type { RawCall, RawReply } from './test-raw-provider.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const quote = {
  capability: 'quote',
  version: '1.2.0',
  description: 'Prices items',
  input: z.object({ skus: z.array(z.string()).min(1) }),
  output: z.object({ total_cents: z.number().int(), lines: z.array(z.object({ sku: z.string() })) }),
  idempotent: true,
} satisfies CapabilityContract;

/**
 * A started consumer agent of `decls` whose one provider of `capability` is a raw provider answering `reply`;
 * everything is stopped after the test.
 */
async function consumerServedBy<D extends DependencyDecls>(
  capability: string,
  decls: D,
  reply: (call: RawCall, index: number) => RawReply,
): Promise<{ deps: DependencyProxies<D>; raw: RawProvider }> {
  const raw = new RawProvider(reply);
  await raw.start();
  const registry = new FakeRegistry();
  const registryUrl = await registry.start();
  registry.addStatic(`${capability}-provider`, capability, raw.endpoint);
  const agent = defineAgent({ name: `${capability}-consumer` });
  const deps = agent.consumer(decls);
  const running = await agent.start({
    app: undefined,
    mesh: { registryUrl, healthIntervalMs: 60_000 },
    logger: silentLogger(),
  });
  cleanups.push(async () => {
    await running.stop();
    await registry.stop();
    await raw.stop();
  });
  return { deps, raw };
}

/** A consumer of `quote` served by one scripted provider. */
async function quoteConsumer(script: (index: number) => Record<string, unknown>) {
  const { deps, raw } = await consumerServedBy(
    'quote',
    { quote: { contract: quote, required: true } },
    (call, index) => ok(call, script(index)),
  );
  return { quote: deps.quote, raw };
}

describe('contracts', () => {
  it('types a contract dependency call from its schemas', () => {
    const agent = defineAgent({ name: 'typed' });
    const deps = agent.consumer({ quote: { contract: quote }, plain: 'other' });
    const typed = async (): Promise<number> => {
      const result = await deps.quote.call({ skus: ['a'] });
      // @ts-expect-error: the input is the contract's
      await deps.quote.call({ sku: 'a' });
      // @ts-expect-error: the output is the contract's
      const wrong: string = result.total_cents;
      void wrong;
      // A plain capability string keeps the untyped, hand-cast call.
      const plain = await deps.plain.call<{ n: number }>({});
      return result.total_cents + plain.n;
    };
    void typed;
    expect(deps.quote.capability).toBe('quote');
  });

  it('resolves a result that matches the contract as it came, extra fields kept', async () => {
    const { quote: proxy } = await quoteConsumer(() => ({ total_cents: 150, lines: [], added_later: true }));
    await expect(proxy.call({ skus: ['a'] })).resolves.toEqual({
      total_cents: 150,
      lines: [],
      added_later: true,
    });
  });

  it('fails with INVALID_RESPONSE naming the field when a result does not match the contract', async () => {
    const { quote: proxy, raw } = await quoteConsumer(() => ({ total_cents: 150, lines: [{ sku: 7 }] }));
    const error = await proxy.call({ skus: ['a'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).code).toBe('INVALID_RESPONSE');
    expect((error as MeshError).message).toContain('lines.0.sku');
    expect((error as MeshError).data).toMatchObject({ capability: 'quote', field: 'lines.0.sku' });
    // A wrong answer is not a transport failure: never sent again.
    expect(raw.calls).toHaveLength(1);
  });

  it('checks each call against the output its arguments select, when the contract has one per operation', async () => {
    const byOp = {
      capability: 'ops',
      version: '1.0.0',
      input: z.object({ op: z.enum(['count', 'name']) }),
      output: z.union([z.object({ count: z.number() }), z.object({ name: z.string() })]),
      idempotent: true,
      outputFor: (args: unknown) =>
        (args as { op: string }).op === 'count'
          ? z.object({ count: z.number() })
          : z.object({ name: z.string() }),
    } satisfies CapabilityContract;
    const { deps } = await consumerServedBy('ops', { ops: { contract: byOp } }, (call) =>
      ok(call, { name: 'x' }),
    );
    await expect(deps.ops.call({ op: 'name' })).resolves.toEqual({ name: 'x' });
    await expect(deps.ops.call({ op: 'count' })).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it("serves a spread contract as the tool's capability and version; consumers ask for its major version", () => {
    const agent = defineAgent({ name: 'quoter' });
    agent.tool({
      ...quote,
      name: 'quote_items',
      handler: (input) => ({ total_cents: input.skus.length, lines: [] }),
    });
    const consumer = defineAgent({ name: 'buyer' });
    consumer.tool({
      name: 'buy',
      input: z.object({}),
      dependencies: { quote: { contract: quote } },
      handler: () => ({}),
    });
    const [tool] = agent.manifest().tools;
    expect(tool).toMatchObject({ name: 'quote_items', capability: 'quote', version: '1.2.0' });
    expect(consumer.manifest().tools[0]?.dependencies[0]).toMatchObject({
      capability: 'quote',
      version: '^1.2.0',
    });
  });
});
