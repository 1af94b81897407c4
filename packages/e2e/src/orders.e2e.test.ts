import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  freePort,
  realServerUrl,
  startNode,
  stopAllProcesses,
  waitFor,
  waitForHttp,
  type StartedProcess,
} from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, login, postJson, postOrder, waitForOrderFinal, type SeedOrder } from './support/api.js';
import { conservationViolations } from './support/conservation.js';
import { dropDatabasesWithPrefix } from './support/databases.js';
import { flushRedisDatabase, redisDatabaseSize } from './support/redis.js';
import { processEnv, pidsOf, readEndpoints, type SystemEndpoints } from './support/environment.js';
import { BusinessDb, chargeCount, chargesByOrder, netCharges } from './support/ledgers.js';
import { startSystem, type StartedSystem } from './system/harness.js';
import { REPO_ROOT } from './system/harness.js';

/** What the system runs on: nothing installed (embedded defaults), or the real servers CI provides. */
interface Backend {
  name: string;
  /** Extra environment for the start; `run` makes names unique to this run. */
  env(run: string): Record<string, string>;
  /** Prepares shared servers before the start. */
  prepare(run: string): Promise<void>;
  /** Removes what the run left on shared servers. */
  cleanup(run: string): Promise<void>;
  /** The business database the order agent must be using. */
  businessDb(run: string): RegExp;
  /** The Redis database handed to the system, when it runs on Redis. */
  redisUrl?: (run: string) => string;
}

const postgresUrl = realServerUrl('postgres');
const redisUrl = realServerUrl('redis');
const databasePrefix = (run: string): string => `e2e_${run}_`;
// A logical Redis database of its own (1-15, from the run id), emptied before and after, so counters and
// caches of an earlier run (e.g. rate-limit windows) never leak in; the system gets it as REDIS_URL.
const redisDatabase = (run: string): string =>
  `${redisUrl?.replace(/\/\d*$/, '')}/${(parseInt(run, 16) % 15) + 1}`;

const backends: Backend[] = [
  {
    name: 'embedded PostgreSQL, memory caches',
    env: () => ({}),
    prepare: async () => undefined,
    cleanup: async () => undefined,
    businessDb: () => /^postgres:\/\/postgres:[^@]*@127\.0\.0\.1:\d+\/business_db$/,
  },
];
if (postgresUrl && redisUrl) {
  backends.push({
    name: 'real PostgreSQL and Redis',
    env: (run) => ({
      DATABASE_URL: postgresUrl,
      REDIS_URL: redisDatabase(run),
      // Fresh databases on the shared server, dropped afterwards.
      MESH_DATABASE_PREFIX: databasePrefix(run),
    }),
    prepare: (run) => flushRedisDatabase(redisDatabase(run)),
    cleanup: async (run) => {
      await dropDatabasesWithPrefix(postgresUrl, databasePrefix(run));
      await flushRedisDatabase(redisDatabase(run));
    },
    businessDb: (run) =>
      new RegExp(`^${postgresUrl.replace(/\/[^/]*$/, '')}/${databasePrefix(run)}business_db$`),
    redisUrl: redisDatabase,
  });
}

/**
 * The order flow through the gateway of a system started as users start it (scripts/start-multi-agent.sh,
 * payment sandbox, SMTP sink), once per backend: embedded PostgreSQL with memory caches, and (where their URLs
 * are set, always in CI) real PostgreSQL and Redis. Orders use SKUs only this run creates, so the books can
 * be checked exactly at the end: every completed order charged once with its total, every other order
 * holding no standing charge, and stock conserved.
 */
describe.each(backends)('order flow end to end on $name', (backend) => {
  const run = randomBytes(3).toString('hex');
  const SKU = `E2E-${run}`;
  const RACE_SKU = `E2E-${run}-RACE`;
  /** The catalogue price of both SKUs: every order below is one unit at this price. */
  const PRICE = 12.5;
  const initialStock = new Map([
    [SKU, 1_000],
    [RACE_SKU, 10],
  ]);
  /** Every order the run placed, with the total it sent. */
  const totals = new Map<string, number>();
  let system: StartedSystem;
  let endpoints: SystemEndpoints;
  let db: BusinessDb;
  let token: string;
  let gateway: string;
  /** The order agent now running (tests kill and restart it) and the environment to restart it with. */
  let orderAgent: { pid: number; env: Record<string, string> };

  const order = (suffix: string, overrides: Partial<SeedOrder> = {}): SeedOrder => {
    const id = `e2e-${run}-${suffix}`;
    const placed = {
      order_id: id,
      user_id: 'user-11',
      items: [{ sku: SKU, quantity: 1 }],
      total: PRICE,
      ...overrides,
    };
    totals.set(id, placed.total ?? PRICE);
    return placed;
  };

  /** Polls the order's saga state until it is stored and no longer one of `passing`; resolves with it. */
  const stateAfter = (orderId: string, passing: readonly string[], timeoutMs = 30_000): Promise<string> =>
    waitFor(
      async () => {
        const state = await db.orderState(orderId);
        return state === undefined || passing.includes(state) ? undefined : state;
      },
      { timeoutMs, intervalMs: 50, description: `order ${orderId} to leave ${passing.join('/')}` },
    );

  /** Restarts the order agent as it was started, after a kill. */
  const restartOrderAgent = (): StartedProcess => {
    const restarted = startNode(join(REPO_ROOT, 'agents/order/dist/main.js'), [], { env: orderAgent.env });
    orderAgent = { pid: restarted.pid, env: orderAgent.env };
    return restarted;
  };

  beforeAll(async () => {
    const env: Record<string, string> = {
      DEPENDENCY_TIMEOUT: '120s',
      // Fast recovery after the kill test: a dead process's orders are claimable after 3 s.
      ORDER_LEASE: '3s',
      ORDER_RECOVERY_INTERVAL: '1s',
      PAYMENT_SANDBOX_HANG: '20s',
      ...backend.env(run),
    };
    await backend.prepare(run);
    system = await startSystem({ env, timeoutMs: 240_000 });
    endpoints = readEndpoints(system.home, system.gatewayUrl);
    gateway = endpoints.gatewayUrl;
    db = new BusinessDb(endpoints.businessDbUrl);
    for (const [sku, units] of initialStock) await db.createSku(sku, units, PRICE);
    token = await login(gateway, 'user-11');
    const [orderPid] = pidsOf(endpoints, 'order-agent');
    orderAgent = { pid: orderPid!, env: processEnv(orderPid!) };
  });

  afterAll(async () => {
    await stopAllProcesses();
    await db?.close();
    await system?.stop();
    await backend.cleanup(run);
  });

  it('runs on the backend it names', () => {
    expect(endpoints.businessDbUrl).toMatch(backend.businessDb(run));
    const [gatewayPid] = pidsOf(endpoints, 'api-gateway');
    expect(processEnv(gatewayPid!)['REDIS_URL']).toBe(backend.redisUrl?.(run));
  });

  it('completes an order and the confirmation email reaches the SMTP sink', async () => {
    const placed = order('happy');
    const response = await postOrder(gateway, token, placed);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'completed', order_id: placed.order_id });
    expect(response.body['payment_id']).toMatch(/^ch_/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const view = await getJson(`${gateway}/orders/${placed.order_id}`, token);
    expect(view.body).toMatchObject({ status: 'completed', state: 'completed', user_id: 'user-11' });
    const mail = await waitFor(
      async () => {
        const inbox = await getJson(`${endpoints.smtpUrl}/messages?to=user-11@example.com`);
        const messages = (Array.isArray(inbox.body) ? inbox.body : []) as { subject: string }[];
        return messages.find((m) => m.subject.includes(placed.order_id));
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(mail?.subject).toBe(`Order ${placed.order_id} confirmed`);
  });

  it('fails a declined card with 402, charges nothing and restores the stock', async () => {
    const before = await db.stock(SKU);
    const placed = order('declined', { payment_method: 'tok_chargeDeclined' });
    const response = await postOrder(gateway, token, placed);
    expect(response.status).toBe(402);
    expect(response.body).toMatchObject({ status: 'failed', error: { code: 'PAYMENT_DECLINED' } });
    expect((await netCharges(endpoints.paymentUrl, [placed.order_id])).get(placed.order_id)).toBe(0);
    expect((await db.stock(SKU)).available).toBe(before.available);
  });

  it('replays the first outcome for a duplicate order_id and charges once, even concurrently', async () => {
    const placed = order('dup');
    const answers = await Promise.all(Array.from({ length: 5 }, () => postOrder(gateway, token, placed)));
    const again = await postOrder(gateway, token, placed);
    for (const answer of [...answers, again]) {
      expect(answer.status).toBe(200);
      expect(answer.body['payment_id']).toBe(answers[0]!.body['payment_id']);
    }
    expect(again.body['replayed']).toBe(true);
    expect(await chargeCount(endpoints.paymentUrl, placed.order_id)).toBe(1);
    const changed = await postOrder(gateway, token, { ...placed, total: 99 });
    expect(changed.status).toBe(409);
  });

  it('sells exactly 10 of 10 units to 50 concurrent orders and never goes negative', async () => {
    const users = await Promise.all([21, 22, 23, 24, 25].map((n) => login(gateway, `user-${n}`)));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postOrder(
          gateway,
          users[i % users.length]!,
          order(`race-${i}`, {
            user_id: `user-${21 + (i % users.length)}`,
            items: [{ sku: RACE_SKU, quantity: 1 }],
          }),
        ),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    const stock = await db.stock(RACE_SKU);
    expect(stock).toMatchObject({ available: 0, sold: 10, reserved: 0 });
  });

  it('answers 400 naming the field for bad payloads and 401 without a valid token', async () => {
    const bad = await postJson(
      `${gateway}/orders`,
      { ...order('bad'), items: [{ sku: SKU, quantity: -1 }] },
      token,
    );
    expect(bad.status).toBe(400);
    expect(bad.body['error']).toMatchObject({ code: 'VALIDATION_FAILED', field: 'items[0].quantity' });
    const missing = await postJson(`${gateway}/orders`, { user_id: 'user-11', items: [], total: 1 }, token);
    expect(missing.status).toBe(400);
    expect(missing.body['error']['field']).toBe('order_id');
    expect((await postJson(`${gateway}/orders`, '{"order_id":', token)).status).toBe(400);
    const anonymous = await postJson(`${gateway}/orders`, order('anon'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body['error']).toMatchObject({ code: 'UNAUTHORIZED', requestId: expect.any(String) });
    expect((await postJson(`${gateway}/orders`, order('forged'), 'not-a-real-token-at-all')).status).toBe(
      401,
    );
  });

  it('refuses a token revoked at auth within about a second, at a gateway that verifies tokens itself', async () => {
    const revoked = await login(gateway, 'user-12');
    const kept = await login(gateway, 'user-12');
    expect((await getJson(`${gateway}/users/user-12`, revoked)).status).toBe(200);
    const call = system.meshctl('call', 'auth_revoke_token', JSON.stringify({ token: revoked }));
    expect(call.code, call.stderr).toBe(0);
    const revokedAt = Date.now();
    const refused = await waitFor(
      async () => ((await getJson(`${gateway}/users/user-12`, revoked)).status === 401 ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 100, description: 'the gateway refusing the revoked token' },
    );
    expect(refused).toBe(true);
    // AUTH_REVOCATION_POLL (1 s) plus one call, with room for a loaded machine.
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    expect((await getJson(`${gateway}/users/user-12`, kept)).status).toBe(200);
  });

  it('completes orders while the SMTP server does not answer', async () => {
    const [sink] = pidsOf(endpoints, 'smtp-sink');
    process.kill(sink!, 'SIGSTOP');
    try {
      const response = await postOrder(gateway, token, order('smtp-down'));
      expect(response.status).toBe(200);
      expect(response.body['status']).toBe('completed');
    } finally {
      process.kill(sink!, 'SIGCONT');
    }
  });

  it('answers 429 with Retry-After past RATE_LIMIT at a gateway configured with a small one', async () => {
    const [gatewayPid] = pidsOf(endpoints, 'api-gateway');
    const port = await freePort();
    const limited = startNode(join(REPO_ROOT, 'agents/api-gateway/dist/main.js'), [], {
      env: {
        ...processEnv(gatewayPid!),
        GATEWAY_PORT: String(port),
        MCP_MESH_HTTP_PORT: '0',
        RATE_LIMIT: '3',
        // Windows are fixed and aligned to the clock: five calls straddling a minute's edge would see the count
        // restart (seen once). An hour makes that edge about 60 times less likely to fall inside the test.
        RATE_LIMIT_WINDOW: '1h',
      },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/ready`, { timeoutMs: 60_000 });
    const limitedToken = await login(gateway, 'user-77');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i += 1) {
      const answer = await getJson(`${url}/users/user-77`, limitedToken);
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    await limited.stop();
  });

  it('finishes an order whose agent was SIGKILLed mid-payment, after a restart', async () => {
    const placed = order('killed', { payment_method: 'tok_timeout' });
    const pending = postOrder(gateway, token, placed).catch((error: unknown) => error);
    await waitFor(async () => ((await db.orderState(placed.order_id)) === 'reserved' ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    process.kill(orderAgent.pid, 'SIGKILL');
    await pending;
    const restarted = restartOrderAgent();
    const state = await waitFor(
      async () => {
        const current = await db.orderState(placed.order_id);
        return current === 'completed' || current === 'compensated' ? current : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\norder-agent output:\n${restarted.output().slice(-4000)}`);
    });
    expect(['completed', 'compensated']).toContain(state);
    const final = await waitForOrderFinal(gateway, token, placed.order_id);
    expect(final.body['status']).toBe(state === 'completed' ? 'completed' : 'failed');
  });

  it('completes an order whose agent was SIGKILLed after the charge, charging once, after a restart', async () => {
    const [sandboxPid] = pidsOf(endpoints, 'payment-sandbox');
    const [inventoryPid] = pidsOf(endpoints, 'inventory-agent');
    const before = await db.stock(SKU);
    const placed = order('killed-charged');
    // Pin the order between its charge and its one write after it: the sandbox holds the charge until the
    // order is stored, then the inventory agent holds the commit (both stopped, not killed: their requests
    // wait in the socket). The payment agent records the charge `succeeded` before answering, and the order
    // still stands `reserved` (nothing is written between the charge and the commit): killed there, the order
    // agent leaves an order whose money moved and that recovery must complete, charging again only to be
    // answered the first outcome.
    let pending: Promise<unknown>;
    let stateWhenKilled: string | undefined;
    process.kill(sandboxPid!, 'SIGSTOP');
    try {
      pending = postOrder(gateway, token, placed).catch((error: unknown) => error);
      expect(await stateAfter(placed.order_id, ['received'])).toBe('reserved');
      process.kill(inventoryPid!, 'SIGSTOP');
      process.kill(sandboxPid!, 'SIGCONT');
      await waitFor(
        async () => ((await db.paymentStatus(placed.order_id)) === 'succeeded' ? true : undefined),
        {
          timeoutMs: 30_000,
          intervalMs: 50,
          description: `the payment of ${placed.order_id} to be recorded`,
        },
      );
      stateWhenKilled = await db.orderState(placed.order_id);
      if (stateWhenKilled === 'reserved') process.kill(orderAgent.pid, 'SIGKILL');
    } finally {
      process.kill(sandboxPid!, 'SIGCONT');
      process.kill(inventoryPid!, 'SIGCONT');
    }
    expect(stateWhenKilled).toBe('reserved');
    const restarted = restartOrderAgent();
    const state = await stateAfter(placed.order_id, ['reserved'], 90_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\norder-agent output:\n${restarted.output().slice(-4000)}`);
    });
    expect(state).toBe('completed');
    const charges = (await chargesByOrder(endpoints.paymentUrl, [placed.order_id])).get(placed.order_id);
    expect(charges?.filter((charge) => charge.status === 'succeeded')).toEqual([
      expect.objectContaining({ amount: 1250, amount_refunded: 0 }),
    ]);
    const after = await db.stock(SKU);
    expect(after).toMatchObject({
      available: before.available - 1,
      sold: before.sold + 1,
      reserved: before.reserved,
    });
    await pending;
    const final = await waitForOrderFinal(gateway, token, placed.order_id);
    expect(final.body).toMatchObject({ status: 'completed', payment_id: charges?.[0]?.id });
  });

  it('conserves money and stock over the whole run', async () => {
    // Compensations may still be finishing (a reservation released by recovery): wait until nothing is held.
    await waitFor(
      async () => {
        for (const sku of initialStock.keys()) if ((await db.stock(sku)).reserved !== 0) return undefined;
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const states = await db.orderStates([...totals.keys()]);
    const completed = new Set([...states].filter(([, state]) => state === 'completed').map(([id]) => id));
    const stock = await Promise.all(
      [...initialStock].map(async ([sku, initial]) => {
        const row = await db.stock(sku);
        return { sku, initial, available: row.available, committed: row.sold, reserved: row.reserved };
      }),
    );
    const violations = conservationViolations({
      totals,
      chargesByOrder: await chargesByOrder(endpoints.paymentUrl, totals.keys()),
      states,
      stock,
    });
    expect(violations).toEqual([]);
    // Units sold match the units of completed orders, per SKU.
    const raceCompleted = [...completed].filter((id) => id.includes('-race-')).length;
    expect(stock.find((row) => row.sku === RACE_SKU)?.committed).toBe(raceCompleted);
    expect(stock.find((row) => row.sku === SKU)?.committed).toBe(completed.size - raceCompleted);
    expect(completed.size).toBeGreaterThanOrEqual(14);
  });

  // Only the backend that runs on Redis has this check (declared there, not skipped elsewhere).
  const redisUrl = backend.redisUrl;
  if (redisUrl !== undefined) {
    it('kept its shared state in the Redis database it was handed', async () => {
      const url = redisUrl(run);
      // Rate-limit windows, login limits and caches of the run live there until the cleanup empties it.
      expect(await redisDatabaseSize(url), `keys in ${url}`).toBeGreaterThan(0);
    });
  }
});
