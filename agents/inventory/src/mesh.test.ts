import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  freePort,
  realServerUrl,
  startNode,
  startRegistryProcess,
  stopAllProcesses,
  waitFor,
  waitForHttp,
  type StartedProcess,
  type TestDatabase,
} from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The real thing over the wire: registry + database-agent + inventory-agent as processes on loopback, a
 * fresh business database, inventory tools called over MCP (JSON-RPC tools/call), effects read from the DB.
 */
const postgresUrl = realServerUrl('postgres');
const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = (path: string): string => {
  const file = `${root}${path}`;
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (pnpm turbo run build)`);
  return file;
};

interface ToolOutcome {
  result?: Record<string, unknown>;
  error?: { code: string; message: string; data?: Record<string, unknown> };
}

describe.skipIf(!postgresUrl)('inventory over the mesh (registry + database-agent + inventory-agent)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let inventoryUrl: string;
  const processes: StartedProcess[] = [];
  let rpcId = 0;

  const callTool = async (name: string, args: Record<string, unknown>): Promise<ToolOutcome> => {
    rpcId += 1;
    const response = await fetch(`${inventoryUrl}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: rpcId,
        method: 'tools/call',
        params: { name, arguments: args },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as {
      result?: {
        isError?: boolean;
        structuredContent?: Record<string, unknown>;
        content: { text: string }[];
      };
      error?: { code: number; message: string };
    };
    if (body.error) return { error: { code: `JSONRPC_${body.error.code}`, message: body.error.message } };
    const parsed = JSON.parse(body.result?.content[0]?.text ?? '{}') as Record<string, unknown>;
    if (body.result?.isError) return { error: parsed['error'] as ToolOutcome['error'] };
    return { result: body.result?.structuredContent ?? parsed };
  };
  const stockOf = async (sku: string) => {
    const result = await pool.query<{ available: string; reserved: string; sold: string }>(
      'SELECT available, reserved, sold FROM stock WHERE sku = $1',
      [sku],
    );
    const row = result.rows[0]!;
    return { available: Number(row.available), reserved: Number(row.reserved), sold: Number(row.sold) };
  };

  beforeAll(async () => {
    database = await createTestDatabase(postgresUrl!, 'business');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const registry = await startRegistryProcess({ env: { DATABASE_URL: undefined }, timeoutMs: 15_000 });
    processes.push(registry.process);
    const [databasePort, inventoryPort] = [await freePort(), await freePort()];
    const registryUrl = registry.url;
    const common = {
      MCP_MESH_REGISTRY_URL: registryUrl,
      MCP_MESH_HEALTH_INTERVAL: '1s',
      MCP_MESH_LOG_LEVEL: 'WARNING',
    };
    processes.push(
      startNode(entry('agents/database/dist/main.js'), [], {
        env: { ...common, DATABASE_URL: database.url, MCP_MESH_HTTP_PORT: String(databasePort) },
      }),
    );
    processes.push(
      startNode(entry('agents/inventory/dist/main.js'), [], {
        env: { ...common, MCP_MESH_HTTP_PORT: String(inventoryPort), RESERVATION_SWEEP_INTERVAL: '300ms' },
      }),
    );
    inventoryUrl = `http://127.0.0.1:${inventoryPort}`;
    try {
      await waitForHttp(`${inventoryUrl}/ready`, { timeoutMs: 30_000, status: 200 });
    } catch (error: unknown) {
      throw new Error(`${String(error)}\n${processes.map((p) => p.output()).join('\n---\n')}`);
    }
  }, 60_000);

  afterAll(async () => {
    await stopAllProcesses();
    await pool?.end();
    await database?.drop();
  }, 30_000);

  it('checks demo stock seeded by the database agent', async () => {
    const outcome = await callTool('inventory_check_stock', {
      items: [
        { sku: 'ITEM-1', quantity: 2 },
        { sku: 'NOPE', quantity: 1 },
      ],
    });
    expect(outcome.result).toEqual({
      available: false,
      items: [
        { sku: 'ITEM-1', requested: 2, available: 1_000_000 },
        { sku: 'NOPE', requested: 1, available: 0 },
      ],
    });
  });

  it('quotes catalogue prices and lists the catalogue over the wire', async () => {
    const quote = await callTool('inventory_quote', {
      items: [
        { sku: 'ITEM-2', quantity: 2 },
        { sku: 'ITEM-20', quantity: 1000 },
      ],
    });
    expect(quote.result).toMatchObject({ currency: 'usd', total: 105_019.98, total_cents: 10_501_998 });
    const unknown = await callTool('inventory_quote', { items: [{ sku: 'NOPE', quantity: 1 }] });
    expect(unknown.error).toMatchObject({ code: 'UNKNOWN_SKU', data: { skus: ['NOPE'] } });
    const page = await callTool('inventory_list_products', { limit: 3 });
    expect(page.result).toMatchObject({ limit: 3, offset: 0, next_offset: 3 });
    expect((page.result!['products'] as unknown[])[0]).toEqual({
      sku: 'ITEM-1',
      name: 'Demo item 1',
      price: 9.99,
      currency: 'usd',
      available: 1_000_000,
    });
  });

  it('reserves, replays the same order, commits, and refuses to release after commit', async () => {
    const reserved = await callTool('inventory_reserve_items', {
      order_id: 'wire-1',
      items: [{ sku: 'ITEM-3', quantity: 4 }],
    });
    expect(reserved.result).toMatchObject({ order_id: 'wire-1', status: 'reserved', replayed: false });
    const reservationId = reserved.result!['reservation_id'];
    expect(await stockOf('ITEM-3')).toEqual({ available: 999_996, reserved: 4, sold: 0 });

    const replay = await callTool('inventory_reserve_items', {
      order_id: 'wire-1',
      items: [{ sku: 'ITEM-3', quantity: 4 }],
    });
    expect(replay.result).toMatchObject({ reservation_id: reservationId, replayed: true });
    expect(await stockOf('ITEM-3')).toEqual({ available: 999_996, reserved: 4, sold: 0 });

    const committed = await callTool('inventory_commit_reservation', { reservation_id: reservationId });
    expect(committed.result).toEqual({ reservation_id: reservationId, status: 'committed' });
    expect(await stockOf('ITEM-3')).toEqual({ available: 999_996, reserved: 0, sold: 4 });
    const release = await callTool('inventory_release_reservation', { reservation_id: reservationId });
    expect(release.error?.code).toBe('CONFLICT');
  });

  it('commits many reservations in one call, answering each id as the single commit would', async () => {
    await callTool('inventory_restock', { sku: 'WIRE-MANY', quantity: 10 });
    const reserve = async (orderId: string, quantity: number): Promise<unknown> =>
      (
        await callTool('inventory_reserve_items', {
          order_id: orderId,
          items: [{ sku: 'WIRE-MANY', quantity }],
        })
      ).result!['reservation_id'];
    const first = await reserve('wire-many-1', 2);
    const second = await reserve('wire-many-2', 3);
    const released = await reserve('wire-many-3', 1);
    await callTool('inventory_release_reservation', { reservation_id: released });

    const outcome = await callTool('inventory_commit_reservations', {
      reservation_ids: [first, second, released, 'res-nowhere'],
    });
    expect(outcome.result?.['results']).toEqual([
      { reservation_id: first, status: 'committed' },
      { reservation_id: second, status: 'committed' },
      {
        reservation_id: released,
        status: 'released',
        error: { code: 'CONFLICT', message: `cannot commit reservation ${String(released)}: it is released` },
      },
      {
        reservation_id: 'res-nowhere',
        error: { code: 'NOT_FOUND', message: 'reservation res-nowhere not found' },
      },
    ]);
    expect(await stockOf('WIRE-MANY')).toEqual({ available: 5, reserved: 0, sold: 5 });
    const again = await callTool('inventory_commit_reservations', { reservation_ids: [first] });
    expect(again.result?.['results']).toEqual([{ reservation_id: first, status: 'committed' }]);
    expect(await stockOf('WIRE-MANY')).toEqual({ available: 5, reserved: 0, sold: 5 });
  });

  it('answers OUT_OF_STOCK with the SKU, requested and available', async () => {
    await callTool('inventory_restock', { sku: 'WIRE-SCARCE', quantity: 2 });
    const outcome = await callTool('inventory_reserve_items', {
      order_id: 'wire-2',
      items: [{ sku: 'WIRE-SCARCE', quantity: 3 }],
    });
    expect(outcome.error?.code).toBe('OUT_OF_STOCK');
    expect(outcome.error?.data).toMatchObject({ sku: 'WIRE-SCARCE', requested: 3, available: 2 });
    expect(await stockOf('WIRE-SCARCE')).toEqual({ available: 2, reserved: 0, sold: 0 });
  });

  it('reserves concurrent orders in shared database transactions; an order short of stock fails alone', async () => {
    await callTool('inventory_restock', { sku: 'WIRE-BURST', quantity: 15 });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        callTool('inventory_reserve_items', {
          order_id: `wire-burst-${i}`,
          items: [{ sku: 'WIRE-BURST', quantity: 1 }],
        }),
      ),
    );
    const reserved = outcomes.filter((outcome) => outcome.result?.['status'] === 'reserved');
    const short = outcomes.filter((outcome) => outcome.error?.code === 'OUT_OF_STOCK');
    expect(reserved).toHaveLength(15);
    expect(short).toHaveLength(5);
    expect(short[0]!.error!.data).toMatchObject({ sku: 'WIRE-BURST', requested: 1, available: 0 });
    expect(await stockOf('WIRE-BURST')).toEqual({ available: 0, reserved: 15, sold: 0 });
    // Rows written by one transaction share its id (xmin): fewer transactions than orders means batches.
    const transactions = await pool.query<{ count: string }>(
      "SELECT count(DISTINCT xmin::text) AS count FROM reservations WHERE order_id LIKE 'wire-burst-%'",
    );
    expect(Number(transactions.rows[0]!.count)).toBeLessThan(15);
  });

  it('rejects invalid quantities before touching the database', async () => {
    const outcome = await callTool('inventory_reserve_items', {
      order_id: 'wire-3',
      items: [{ sku: 'ITEM-1', quantity: 0 }],
    });
    expect(outcome.error?.code).toBe('JSONRPC_-32602');
  });

  it('returns the stock of an abandoned reservation once it expires', async () => {
    await callTool('inventory_restock', { sku: 'WIRE-EXP', quantity: 5 });
    const reserved = await callTool('inventory_reserve_items', {
      order_id: 'wire-4',
      items: [{ sku: 'WIRE-EXP', quantity: 5 }],
      ttl_seconds: 1,
    });
    expect(reserved.result).toMatchObject({ status: 'reserved' });
    expect(await stockOf('WIRE-EXP')).toEqual({ available: 0, reserved: 5, sold: 0 });
    // The agent's own sweeper (every 300 ms here) expires it after its 1 s TTL.
    await waitFor(async () => ((await stockOf('WIRE-EXP')).available === 5 ? true : undefined), {
      timeoutMs: 10_000,
      description: 'expired reservation to return its stock',
    });
    expect(await stockOf('WIRE-EXP')).toEqual({ available: 5, reserved: 0, sold: 0 });
    const commit = await callTool('inventory_commit_reservation', {
      reservation_id: reserved.result!['reservation_id'],
    });
    expect(commit.error?.code).toBe('CONFLICT');
  });

  it('answers the catalogue price of what it reserved, as inventory_quote does, on a reservation and its replay', async () => {
    const items = [
      { sku: 'ITEM-2', quantity: 2 },
      { sku: 'ITEM-20', quantity: 3 },
    ];
    const quote = await callTool('inventory_quote', { items });
    const reserved = await callTool('inventory_reserve_items', { order_id: 'wire-priced', items });
    expect(reserved.result).toMatchObject({ status: 'reserved', replayed: false, quote: quote.result });
    const replay = await callTool('inventory_reserve_items', { order_id: 'wire-priced', items });
    expect(replay.result).toMatchObject({ replayed: true, quote: quote.result });
    const unknown = await callTool('inventory_reserve_items', {
      order_id: 'wire-ghost',
      items: [{ sku: 'NOPE', quantity: 1 }],
    });
    expect(unknown.error).toMatchObject({ code: 'UNKNOWN_SKU', data: { skus: ['NOPE'] } });
  });

  it('gives an order left unstored its reservation back within the TTL, and holds the stock again after it', async () => {
    await callTool('inventory_restock', { sku: 'WIRE-RETRY', quantity: 3 });
    const items = [{ sku: 'WIRE-RETRY', quantity: 3 }];
    // The order agent reserved, then was killed before storing the order: a retry of the same order_id.
    const first = await callTool('inventory_reserve_items', { order_id: 'wire-5', items, ttl_seconds: 1 });
    const retry = await callTool('inventory_reserve_items', { order_id: 'wire-5', items, ttl_seconds: 1 });
    expect(retry.result).toMatchObject({
      reservation_id: first.result!['reservation_id'],
      status: 'reserved',
      replayed: true,
    });
    // The retry has the whole TTL again.
    expect(Date.parse(retry.result!['expires_at'] as string)).toBeGreaterThanOrEqual(
      Date.parse(first.result!['expires_at'] as string),
    );
    expect(await stockOf('WIRE-RETRY')).toEqual({ available: 0, reserved: 3, sold: 0 });
    // Nobody stored the order: the sweeper returns the stock at the TTL.
    await waitFor(async () => ((await stockOf('WIRE-RETRY')).available === 3 ? true : undefined), {
      timeoutMs: 10_000,
      description: 'the abandoned reservation to expire',
    });
    const late = await callTool('inventory_reserve_items', { order_id: 'wire-5', items });
    expect(late.result).toMatchObject({ status: 'expired', replayed: true });
    expect(await stockOf('WIRE-RETRY')).toEqual({ available: 3, reserved: 0, sold: 0 });
    const renewed = await callTool('inventory_reserve_items', { order_id: 'wire-5', items, renew: true });
    expect(renewed.result).toMatchObject({
      reservation_id: first.result!['reservation_id'],
      status: 'reserved',
      replayed: false,
    });
    expect(await stockOf('WIRE-RETRY')).toEqual({ available: 0, reserved: 3, sold: 0 });
    const again = await callTool('inventory_reserve_items', { order_id: 'wire-5', items, renew: true });
    expect(again.result).toMatchObject({ status: 'reserved', replayed: true });
    const commit = await callTool('inventory_commit_reservation', {
      reservation_id: first.result!['reservation_id'],
    });
    expect(commit.result).toMatchObject({ status: 'committed' });
    expect(await stockOf('WIRE-RETRY')).toEqual({ available: 0, reserved: 0, sold: 3 });
  });
});
