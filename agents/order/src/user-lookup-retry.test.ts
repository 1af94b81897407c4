import http from 'node:http';
import { silentLogger } from '@mesh/common';
import { inventoryReserveItems, paymentProcess, userGet } from '@mesh/contracts';
import { defineAgent, z, type RunningAgent } from '@mesh/runtime';
import { freePort, startRegistryProcess, stopAllProcesses, waitFor } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent as orderAgent, sagaDeps } from './agent.js';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga } from './order-saga.js';
import { portsFromProxies } from './saga-ports.js';

/**
 * A loopback front for one provider: it forwards every request to `target`, except that the first
 * tools/call of `tool` has its connection destroyed once the request has arrived (what a provider that
 * crashes mid-request or a dropped connection looks like to the caller: no answer, no JSON-RPC error).
 */
class DroppingFront {
  readonly calls: string[] = [];
  private dropped = 0;
  private readonly server: http.Server;

  constructor(
    private readonly tool: string,
    private readonly target: { host: string; port: number },
  ) {
    this.server = http.createServer((req, res) => {
      // An HTTP-only front, as a proxy that forwards requests but not upgrades: callers then use plain HTTP.
      if (req.headers.upgrade !== undefined) {
        res.writeHead(501).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const name = toolName(body);
        if (name !== undefined) this.calls.push(name);
        if (name === this.tool && this.dropped === 0) {
          this.dropped += 1;
          req.socket.destroy();
          return;
        }
        const forward = http.request(
          { ...this.target, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on('error', () => res.destroy());
        forward.end(body);
      });
    });
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, host, resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function toolName(body: Buffer): string | undefined {
  try {
    const message = JSON.parse(body.toString('utf8')) as { method?: string; params?: { name?: string } };
    return message.method === 'tools/call' ? message.params?.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The order agent's declared resilience over a real mesh: registry process, the order agent's own
 * declaration and proxies in process, stand-in providers registered like any agent. The connection of the
 * first user lookup is dropped without an answer; the saga must still complete the order, because `user_get`
 * is declared idempotent with retries.
 */
describe('order agent: user lookup over the mesh', { timeout: 60_000 }, () => {
  const userCalls: string[] = [];
  const started: RunningAgent[] = [];
  let front: DroppingFront;
  let order: RunningAgent;
  let saga: OrderSaga;
  const client = defineAgent({ name: 'order-retry-test-client' });
  const orders = client.consumer({ process: { capability: 'order_processing', timeoutMs: 20_000 } });

  // Stand-ins serve the real contracts, so the order agent checks their answers as it checks the agents'.
  const users = defineAgent({ name: 'fake-user-agent', version: '1.0.0' }).tool({
    ...userGet,
    name: 'user_get',
    handler: ({ user_id }) => {
      userCalls.push(user_id);
      // No email address: no confirmation to send.
      return { id: user_id, username: user_id, email: '', name: `Test ${user_id}` };
    },
  });

  const backends = defineAgent({ name: 'fake-stock-and-payment', version: '1.0.0' })
    .tool({
      name: 'inventory_quote',
      version: '1.0.0',
      idempotent: true,
      input: z.object({ items: z.array(z.object({ sku: z.string(), quantity: z.number() })) }),
      handler: () => ({ currency: 'usd', total: 12.5, total_cents: 1250, lines: [] }),
    })
    .tool({
      ...inventoryReserveItems,
      name: 'inventory_reserve_items',
      handler: ({ order_id, items }) => ({
        reservation_id: `res-${order_id}`,
        order_id,
        status: 'reserved' as const,
        expires_at: new Date(Date.now() + 60_000).toISOString(),
        items,
        replayed: false,
      }),
    })
    .tool({
      name: 'inventory_commit_reservation',
      version: '1.0.0',
      idempotent: true,
      input: z.object({ reservation_id: z.string() }),
      handler: ({ reservation_id }) => ({ reservation_id, status: 'committed' }),
    })
    .tool({
      name: 'inventory_release_reservation',
      version: '1.0.0',
      idempotent: true,
      input: z.object({ reservation_id: z.string() }),
      handler: ({ reservation_id }) => ({ reservation_id, status: 'released' }),
    })
    .tool({
      ...paymentProcess,
      name: 'payment_process',
      handler: ({ order_id, amount, currency }) => ({
        status: 'succeeded' as const,
        payment_id: `pay-${order_id}`,
        amount,
        currency: currency ?? 'usd',
      }),
    })
    .tool({
      name: 'payment_refund',
      version: '1.0.0',
      idempotent: true,
      input: z.object({ order_id: z.string() }),
      handler: () => ({ status: 'refunded', refund_id: null, amount: 0 }),
    });

  beforeAll(async () => {
    const registry = await startRegistryProcess({ env: { DATABASE_URL: undefined }, timeoutMs: 15_000 });
    const mesh = { registryUrl: registry.url, healthIntervalMs: 500 };
    const logger = silentLogger();
    // The user provider listens on 127.0.0.2 and advertises 127.0.0.1 on the same port, where the front is.
    const port = await freePort();
    front = new DroppingFront('user_get', { host: '127.0.0.2', port });
    await front.listen('127.0.0.1', port);
    started.push(
      await users.start({
        app: undefined,
        mesh: { ...mesh, bindHost: '127.0.0.2', httpHost: '127.0.0.1', httpPort: port },
        logger,
      }),
      await backends.start({ app: undefined, mesh, logger }),
    );
    saga = new OrderSaga(new MemoryOrderStore(), portsFromProxies(sagaDeps), 'order-retry-test', {
      processingTimeoutMs: 15_000,
      notifyTimeoutMs: 200,
    });
    order = await orderAgent.start({ app: { saga }, mesh, logger });
    started.push(order, await client.start({ app: undefined, mesh, logger }));
    await waitFor(
      async () =>
        orders.process.available &&
        sagaDeps.quote.available &&
        sagaDeps.user.available &&
        sagaDeps.reserve.available &&
        sagaDeps.pay.available &&
        sagaDeps.commit.available
          ? true
          : undefined,
      { timeoutMs: 20_000, description: 'order agent and stand-ins resolved through the registry' },
    );
  }, 60_000);

  afterAll(async () => {
    for (const running of started.reverse()) await running.stop();
    await saga?.idle();
    await front?.close();
    await stopAllProcesses();
  });

  it('completes the order when the first user_get connection drops, retrying the lookup once', async () => {
    const result = await orders.process.call<Record<string, unknown>>({
      order_id: 'retry-1',
      user_id: 'user-7',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
      total: 12.5,
    });
    expect(result).toMatchObject({ status: 'completed', order_id: 'retry-1', payment_id: 'pay-retry-1' });
    // Two attempts reached the front; the first was dropped before the provider saw it.
    expect(front.calls.filter((name) => name === 'user_get')).toEqual(['user_get', 'user_get']);
    expect(userCalls).toEqual(['user-7']);
    const metrics = await (await fetch(`${order.url}/metrics`)).text();
    expect(metrics).toMatch(
      /mesh_dependency_retries_total\{dependency="user",capability="user_get",reason="CONNECTION_FAILED",[^}]*\} 1\n/,
    );
  });
});
