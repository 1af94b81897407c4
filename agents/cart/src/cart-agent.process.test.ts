import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@mesh/common';
import { orderProcessing, productLookup } from '@mesh/contracts';
import { defineAgent, type RunningAgent } from '@mesh/runtime';
import {
  callTool,
  createTestDatabase,
  realServerUrl,
  startNode,
  startRegistryProcess,
  stopAllProcesses,
  waitForAgentUrl,
  type TestDatabase,
} from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakePorts } from './test-fake-ports.js';

const cartMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const logger = silentLogger();
const redisUrl = realServerUrl('redis');
const postgresUrl = realServerUrl('postgres');

/** A tool's structured result, or its error's code (business errors) as `{ code }`. */
async function call(
  url: string,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const reply = await callTool(url, name, args);
  if (reply.result === undefined) throw new Error(`${name}: ${JSON.stringify(reply.error)}`);
  if (reply.result.isError) {
    const body = JSON.parse(reply.result.content?.[0]?.text ?? '{}') as { error?: { code?: string } };
    return { code: body.error?.code };
  }
  return reply.result.structuredContent ?? {};
}

/**
 * Two cart-agent processes (two replicas) between a real registry and, in this process, stand-in product and
 * order agents serving the real contracts; carts in `backend` (real Redis, or PostgreSQL without Redis).
 */
function twoReplicas(backend: 'redis' | 'postgres', env: () => Promise<Record<string, string | undefined>>) {
  describe(`two cart-agent replicas sharing carts in ${backend}`, { timeout: 30_000 }, () => {
    const fake = fakePorts();
    const providers = defineAgent({ name: `fake-shop-${backend}` });
    providers.tool({
      ...productLookup,
      name: 'product_lookup',
      handler: (args) => fake.ports.lookupProducts(args.skus),
    });
    providers.tool({
      ...orderProcessing,
      name: 'order_processing',
      handler: (args) => fake.ports.placeOrder(args),
    });
    let running: RunningAgent | undefined;
    const urls: string[] = [];
    const user = `user-${backend}-${randomBytes(3).toString('hex')}`;

    beforeAll(async () => {
      if (!existsSync(cartMain))
        throw new Error(`${cartMain} is missing: build first (pnpm turbo run build)`);
      const { url: registryUrl } = await startRegistryProcess({ env: { DATABASE_URL: undefined } });
      running = await providers.start({
        app: undefined,
        mesh: { registryUrl, healthIntervalMs: 500 },
        logger,
      });
      const storeEnv = await env();
      for (let i = 0; i < 2; i += 1) {
        const cart = startNode(cartMain, [], {
          env: {
            MCP_MESH_REGISTRY_URL: registryUrl,
            MCP_MESH_HTTP_PORT: '0',
            MCP_MESH_HEALTH_INTERVAL: '1s',
            REDIS_HOST: undefined,
            CACHE_HOST: undefined,
            DB_HOST: undefined,
            ...storeEnv,
          },
        });
        urls.push(await waitForAgentUrl(cart, 20_000));
      }
    }, 60_000);

    afterAll(async () => {
      await running?.stop();
      await stopAllProcesses();
    });

    it('shows on one replica what was added on the other, at current prices', async () => {
      await call(urls[0]!, 'cart_add_items', { user_id: user, items: [{ sku: 'ITEM-1', quantity: 2 }] });
      await call(urls[1]!, 'cart_add_items', { user_id: user, items: [{ sku: 'ITEM-2', quantity: 1 }] });
      const view = await call(urls[0]!, 'cart_get', { user_id: user });
      expect(view).toMatchObject({ total_cents: 3497, currency: 'usd' });
      expect(view['lines']).toHaveLength(2);
    });

    it('leaves the cart when the order fails', async () => {
      fake.state.mode = 'declined';
      const failed = await call(urls[1]!, 'cart_checkout', { user_id: user });
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'PAYMENT_DECLINED' } });
      expect((await call(urls[0]!, 'cart_get', { user_id: user }))['lines']).toHaveLength(2);
      fake.state.mode = 'completed';
    });

    it('makes one order of concurrent checkouts on both replicas, then empties the cart', async () => {
      const before = fake.state.created.length;
      let release!: () => void;
      fake.state.gate = new Promise((resolve) => (release = resolve));
      const checkouts = [0, 1, 0, 1].map((i) => call(urls[i]!, 'cart_checkout', { user_id: user }));
      setTimeout(release, 200);
      const results = await Promise.all(checkouts);
      fake.state.gate = undefined;
      expect(fake.state.created.length - before).toBe(1);
      expect(new Set(results.map((result) => result['order_id'])).size).toBe(1);
      expect(results.map((result) => result['status'])).toEqual([
        'completed',
        'completed',
        'completed',
        'completed',
      ]);
      expect((await call(urls[1]!, 'cart_get', { user_id: user }))['lines']).toEqual([]);
    });

    it('answers a checkout key used again with the first order', async () => {
      await call(urls[0]!, 'cart_add_items', { user_id: user, items: [{ sku: 'ITEM-3', quantity: 1 }] });
      const first = await call(urls[0]!, 'cart_checkout', { user_id: user, checkout_key: 'k-1' });
      const again = await call(urls[1]!, 'cart_checkout', { user_id: user, checkout_key: 'k-1' });
      expect(again).toEqual({ ...first, replayed: true });
    });
  });
}

describe.skipIf(!redisUrl)('real Redis', () => {
  twoReplicas('redis', async () => ({
    REDIS_URL: redisUrl!,
    CART_REDIS_PREFIX: `test-cart-${randomBytes(4).toString('hex')}:`,
    DATABASE_URL: undefined,
  }));
});

describe.skipIf(!postgresUrl)('PostgreSQL fallback', () => {
  let database: TestDatabase | undefined;
  twoReplicas('postgres', async () => {
    database = await createTestDatabase(postgresUrl!, 'cart');
    return { REDIS_URL: undefined, DATABASE_URL: database.url };
  });
  afterAll(async () => {
    await database?.drop();
  });
});
