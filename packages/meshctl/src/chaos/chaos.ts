import { MeshError } from '@mesh/common';
import { callTool, resolveTool } from '../mcp-call.js';
import { RegistryClient } from '../registry-client.js';
import { operatorTls } from '../tls/local-tls.js';
import type { ConnectionOptions } from 'node:tls';
import { dockerUrls } from '../docker/docker-state.js';
import { readState, type MeshState } from '../local/state.js';
import { pickVictim } from './victims.js';
import { orderInvariants, type ListedCharge, type OrderOutcome, type StockSnapshot } from './invariants.js';

export interface ChaosOptions {
  home: string;
  root: string;
  env: NodeJS.ProcessEnv;
  orders: number;
  concurrency: number;
  /** Whole run, including the wait for every order to settle. */
  deadlineMs: number;
  /** Agent names a victim is drawn from. */
  victims: readonly string[];
  /** Who places the orders (logs in through the gateway). */
  shopper: { readonly username: string; readonly password: string };
  /** SKUs ordered, one unit each, in turn; each must be in the catalogue with stock. */
  skus: readonly string[];
  /** The payment gateway's API key, to list the charges of each order. */
  paymentApiKey: string;
  random?: () => number;
  /** How long the killed replica stays down before the restart (default 1.5 s). */
  downtimeMs?: number;
  log: (line: string) => void;
}

/**
 * Catalogue price per chaos SKU in cents, in the order given: each chaos order is one unit at this price, as
 * `GET /products` lists it.
 */
type Prices = ReadonlyMap<string, number>;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function requireLoopback(url: string): void {
  if (!LOOPBACK.has(new URL(url).hostname)) {
    throw new MeshError('FORBIDDEN', `chaos only runs against loopback; refusing ${url}`);
  }
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { raw: text };
  }
}

async function login(gateway: string, shopper: ChaosOptions['shopper']): Promise<string> {
  const response = await fetch(`${gateway}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: shopper.username, password: shopper.password }),
    signal: AbortSignal.timeout(5000),
  });
  const body = await json(response);
  if (!response.ok || typeof body['access_token'] !== 'string') {
    throw new MeshError('UNAUTHORIZED', `login through the gateway failed: HTTP ${response.status}`);
  }
  return body['access_token'];
}

/** The catalogue's price of every chaos SKU, from the gateway (orders must pay what the server asks). */
async function prices(gateway: string, skus: readonly string[]): Promise<Prices> {
  const response = await fetch(`${gateway}/products?limit=100`, { signal: AbortSignal.timeout(5000) });
  const body = await json(response);
  const products = (body['products'] ?? []) as { sku: string; price: number }[];
  const found = new Map(products.map((p) => [p.sku, Math.round(p.price * 100)]));
  const missing = skus.filter((sku) => !found.has(sku));
  if (!response.ok || missing.length > 0) {
    throw new MeshError('REMOTE_ERROR', `GET /products gave no price for ${missing.join(', ') || 'any SKU'}`);
  }
  // Only the chaos SKUs, in their order: orders go to each in turn.
  return new Map(skus.map((sku) => [sku, found.get(sku)!]));
}

/**
 * Stock of every chaos SKU, asked of the inventory agent as the operator: directly, or through the registry's
 * proxy when the agents' addresses are container names this machine cannot resolve (Docker).
 */
async function stock(
  registry: RegistryClient,
  tls: ConnectionOptions | undefined,
  viaProxy: boolean,
  skus: readonly string[],
): Promise<StockSnapshot> {
  const target = resolveTool(await registry.agents(), 'inventory_check_stock');
  const args = { items: skus.map((sku) => ({ sku, quantity: 1 })) };
  const result = await callTool(target, args, { registryUrl: registry.baseUrl, viaProxy, tls });
  const items = (result as { items?: { sku: string; available: number }[] } | undefined)?.items;
  if (!items) throw new MeshError('REMOTE_ERROR', 'inventory_check_stock returned no items');
  return Object.fromEntries(items.map((i) => [i.sku, i.available]));
}

async function postOrder(
  gateway: string,
  token: string,
  index: number,
  runId: string,
  catalogue: Prices,
  shopper: ChaosOptions['shopper'],
): Promise<OrderOutcome> {
  const sku = [...catalogue.keys()][index % catalogue.size]!;
  const totalCents = catalogue.get(sku)!;
  const order = {
    order_id: `chaos-${runId}-${index}`,
    user_id: shopper.username,
    items: [{ sku, quantity: 1 }],
    total: totalCents / 100,
  };
  try {
    const response = await fetch(`${gateway}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(order),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await json(response);
    return {
      orderId: order.order_id,
      sku,
      quantity: 1,
      totalCents,
      httpStatus: response.status,
      accepted: response.status < 300,
      status: String(body['status'] ?? ''),
    };
  } catch (error: unknown) {
    return {
      orderId: order.order_id,
      sku,
      quantity: 1,
      totalCents,
      httpStatus: 0,
      accepted: false,
      status: `transport: ${String(error)}`,
    };
  }
}

/** Polls GET /orders/:id until the order is completed or failed (or 404 for one never accepted). */
async function settle(
  gateway: string,
  token: string,
  outcome: OrderOutcome,
  deadline: number,
): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${gateway}/orders/${encodeURIComponent(outcome.orderId)}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5000),
      });
      const body = await json(response);
      if (response.status === 404 && !outcome.accepted) {
        outcome.final = 'absent';
        return;
      }
      const status = String(body['status'] ?? '');
      if (status === 'completed' || status === 'failed') {
        outcome.final = status;
        return;
      }
    } catch {
      // the gateway may be restarting; try again
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  outcome.final = 'unsettled';
}

async function charges(paymentUrl: string, apiKey: string, orderId: string): Promise<ListedCharge[]> {
  const query = new URLSearchParams({ 'metadata[order_id]': orderId, limit: '100' });
  const response = await fetch(`${paymentUrl}/v1/charges?${query}`, {
    headers: { authorization: `Bearer ${apiKey}` },
    signal: AbortSignal.timeout(5000),
  });
  const body = (await response.json()) as { data?: ListedCharge[] };
  return body.data ?? [];
}

/**
 * Kills one random agent replica (SIGKILL: by pid, or `docker kill` of a container) while a bounded stream of orders goes through the gateway,
 * restarts it, waits for every order to settle and checks the invariants: no lost order, no double charge,
 * stock conserved. Resolves with the list of violations (empty = pass).
 */
export async function runChaos(options: ChaosOptions): Promise<string[]> {
  const state = readState(options.home);
  if (!state?.gatewayUrl)
    throw new MeshError('NOT_FOUND', 'the mesh is not running: ./scripts/start-multi-agent.sh first');
  const gateway = state.gatewayUrl;
  const docker = state.mode === 'docker' && state.compose !== undefined;
  const paymentUrl =
    options.env['PAYMENT_GATEWAY_URL'] ??
    (state.compose
      ? dockerUrls(state.compose).paymentSandbox
      : state.processes.find((p) => p.name === 'payment-sandbox')?.url);
  for (const url of [gateway, state.registryUrl, paymentUrl]) if (url) requireLoopback(url);
  const random = options.random ?? Math.random;
  const deadline = Date.now() + options.deadlineMs;
  // A strict mesh is read with the operator certificate (inventory_check_stock needs an identity).
  const tls = operatorTls(options.home, options.env);
  const registry = new RegistryClient(state.registryUrl, 3000, tls);
  const runId = Date.now().toString(36);

  const token = await login(gateway, options.shopper);
  const catalogue = await prices(gateway, options.skus);
  const before = await stock(registry, tls, docker, options.skus);
  options.log(`stock before: ${JSON.stringify(before)}`);

  const outcomes: OrderOutcome[] = [];
  let next = 0;
  const killAt = Math.max(1, Math.floor(options.orders / 3));
  let chaos: Promise<void> | undefined;
  const worker = async (): Promise<void> => {
    while (next < options.orders && Date.now() < deadline) {
      const index = next++;
      if (index === killAt) chaos = killAndRestart(options, state, random);
      outcomes.push(await postOrder(gateway, token, index, runId, catalogue, options.shopper));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await chaos;
  options.log(`sent ${outcomes.length} orders; waiting for each to settle`);
  await Promise.all(outcomes.map((o) => settle(gateway, token, o, deadline)));

  const charged = new Map<string, ListedCharge[]>();
  if (paymentUrl) {
    for (const o of outcomes)
      charged.set(o.orderId, await charges(paymentUrl, options.paymentApiKey, o.orderId));
  }
  // Reservations of failed orders are released at once or expire; give stock a bounded moment to converge.
  let after = await stock(registry, tls, docker, options.skus);
  let violations = orderInvariants(outcomes, charged, before, after);
  while (violations.some((v) => v.startsWith('stock')) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    after = await stock(registry, tls, docker, options.skus);
    violations = orderInvariants(outcomes, charged, before, after);
  }
  const count = (s: string): number => outcomes.filter((o) => o.final === s).length;
  options.log(`stock after:  ${JSON.stringify(after)}`);
  options.log(
    `orders: ${count('completed')} completed, ${count('failed')} failed, ${count('absent')} never accepted, ${count('unsettled')} unsettled`,
  );
  return violations;
}

async function killAndRestart(options: ChaosOptions, state: MeshState, random: () => number): Promise<void> {
  const victim = await pickVictim(state, { ...options, random });
  options.log(`killing ${victim.label} with SIGKILL`);
  await victim.kill();
  // The chaos itself: the replica stays down for a while under traffic before it comes back.
  await new Promise((resolve) => setTimeout(resolve, options.downtimeMs ?? 1500));
  await victim.restart();
}
