// Money and stock after a load: every order placed since a moment, checked against the sources of truth (the
// payment sandbox's charges, the reservations and the stock rows of the business database), never against the
// order agent's own view of its orders. The same invariants as the end-to-end tests and `meshctl chaos`, at
// whatever rate the load ran:
//   - no order left unsettled: each ends completed, failed or compensated (after a bounded wait);
//   - money: a completed order holds exactly one succeeded, unrefunded charge of its total; any other order
//     no standing charge (meshctl's chargeViolations);
//   - stock: a completed order's reservation is committed, any other order's is not (released, expired or
//     none); per SKU, `reserved` and `sold` equal the units of the reservations in those states.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { URLSearchParams, pathToFileURL } from 'node:url';
import { pgConnect } from './system-postgres.mjs';

const root = resolve(import.meta.dirname, '../..');
const TERMINAL = ['completed', 'failed', 'compensated'];
/** The sandbox's page size limit (GET /v1/charges). */
const PAGE = 100;

/**
 * Every broken invariant, one line each (empty: money and stock held). `orders`: one row per order of the
 * window (order_id, state, total_cents, reservation_status or null); `charges`: order id -> the charges the
 * sandbox lists for it; `stock`: per SKU the row's reserved and sold, and the units of reservations reserved
 * and committed.
 */
export function auditViolations({ orders, charges, stock, chargeViolations }) {
  const problems = [];
  for (const order of orders) {
    if (!TERMINAL.includes(order.state)) {
      problems.push(`unsettled: ${order.order_id} is still ${order.state}`);
      continue;
    }
    problems.push(
      ...chargeViolations(order.order_id, order.state, charges.get(order.order_id) ?? [], order.total_cents),
    );
    const committed = order.reservation_status === 'committed';
    if (order.state === 'completed' && !committed)
      problems.push(
        `stock: ${order.order_id} is completed but its reservation is ${order.reservation_status ?? 'missing'}`,
      );
    if (order.state !== 'completed' && committed)
      problems.push(`stock: ${order.order_id} is ${order.state} but its reservation was committed`);
  }
  for (const row of stock) {
    if (row.reserved !== row.units_reserved)
      problems.push(
        `stock: ${row.sku} holds reserved ${row.reserved}, its reservations ${row.units_reserved} units`,
      );
    if (row.sold !== row.units_sold)
      problems.push(
        `stock: ${row.sku} holds sold ${row.sold}, its committed reservations ${row.units_sold} units`,
      );
  }
  return problems;
}

/** Counts per terminal state and the charges read, for the one-line summary. */
export function describeAudit({ orders, chargesRead, skus, problems }) {
  const count = (state) => orders.filter((order) => order.state === state).length;
  const head =
    `${orders.length} orders (${count('completed')} completed, ${count('failed')} failed, ` +
    `${count('compensated')} compensated), ${chargesRead} charges, ${skus} SKUs`;
  if (problems.length === 0)
    return (
      `${head}: money and stock held (each completed order one charge of its total, no other a standing ` +
      'charge; reservations committed exactly for the completed orders; reserved and sold match them)'
    );
  const shown = problems.slice(0, 10).map((problem) => `  ${problem}`);
  const more = problems.length > shown.length ? [`  … and ${problems.length - shown.length} more`] : [];
  const violations = `${problems.length} violation${problems.length === 1 ? '' : 's'}`;
  return [`${head}: ${violations}`, ...shown, ...more].join('\n');
}

/** A `--since` value as a Date: a span back from `now` (30m, 2h) or an ISO time. */
export function auditSince(value, now = Date.now()) {
  const span = /^(\d+)([mh])$/.exec(value);
  if (span) return new Date(now - Number(span[1]) * (span[2] === 'h' ? 3_600_000 : 60_000));
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime()))
    throw new Error(`AUDIT_SINCE: --since must be like 30m, 2h or an ISO time, not ${JSON.stringify(value)}`);
  return time;
}

/** Waits (at most `settleMs`) until no order of the window is mid-saga; the orders as they stand then. */
async function settledOrders(client, since, settleMs) {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const { rows } = await client.query(
      'SELECT order_id, state, (total * 100)::bigint AS total_cents FROM orders WHERE created_at >= $1',
      [since],
    );
    const open = rows.some((row) => !TERMINAL.includes(row.state));
    if (!open || Date.now() >= deadline)
      return rows.map((row) => ({ ...row, total_cents: Number(row.total_cents) }));
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
  }
}

/** The status of each order's reservation (the inventory's database may be another than the orders'). */
async function reservationStatuses(client, orderIds) {
  const { rows } = await client.query(
    'SELECT order_id, status FROM reservations WHERE order_id = ANY($1::text[])',
    [orderIds],
  );
  return new Map(rows.map((row) => [row.order_id, row.status]));
}

async function stockRows(client) {
  const { rows } = await client.query(
    `WITH units AS (
       SELECT ri.sku,
              sum(ri.quantity) FILTER (WHERE r.status = 'reserved') AS reserved,
              sum(ri.quantity) FILTER (WHERE r.status = 'committed') AS sold
         FROM reservation_items ri JOIN reservations r ON r.id = ri.reservation_id
        GROUP BY ri.sku)
     SELECT s.sku, s.reserved, s.sold, coalesce(u.reserved, 0) AS units_reserved, coalesce(u.sold, 0) AS units_sold
       FROM stock s LEFT JOIN units u USING (sku) ORDER BY s.sku`,
  );
  return rows.map((row) => ({
    sku: row.sku,
    reserved: Number(row.reserved),
    sold: Number(row.sold),
    units_reserved: Number(row.units_reserved),
    units_sold: Number(row.units_sold),
  }));
}

/** Every charge the sandbox holds created at or after `since` (a Date), by order id, page by page. */
async function chargesSince(paymentUrl, apiKey, since) {
  const byOrder = new Map();
  let read = 0;
  let after;
  // Bounded: the sandbox keeps at most 100,000 records, so at most 1,000 pages of 100.
  for (let page = 0; page < 100_000 / PAGE; page += 1) {
    const query = new URLSearchParams({
      'created[gte]': String(Math.floor(since.getTime() / 1000)),
      limit: String(PAGE),
    });
    if (after !== undefined) query.set('starting_after', after);
    const response = await fetch(`${paymentUrl}/v1/charges?${query}`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      throw new Error(
        `AUDIT_CHARGES: the payment gateway answered HTTP ${response.status} to ${paymentUrl}/v1/charges`,
      );
    const body = await response.json();
    for (const charge of body.data) {
      const orderId = charge.metadata?.order_id;
      if (orderId === undefined) continue;
      const charges = byOrder.get(orderId);
      if (charges === undefined) byOrder.set(orderId, [charge]);
      else charges.push(charge);
    }
    read += body.data.length;
    if (!body.has_more || body.data.length === 0) return { byOrder, read };
    after = body.data.at(-1).id;
  }
  throw new Error('AUDIT_CHARGES: more charges than the sandbox keeps; audit a shorter window');
}

/**
 * Audits every order created at or after `since` (a Date): the orders in `databaseUrls.orders` (the order
 * agent's), the reservations and stock in `databaseUrls.stock` (the database agent's), the charges at the
 * payment gateway `paymentUrl`. Resolves with the orders, the problems and the summary line.
 */
export async function auditOrders({ databaseUrls, paymentUrl, apiKey, since, settleMs = 30_000 }) {
  const { chargeViolations } = await import(pathToFileURL(join(root, 'packages/meshctl/dist/index.js')).href);
  const ordersClient = await pgConnect(databaseUrls.orders);
  const stockClient = await pgConnect(databaseUrls.stock);
  try {
    const settled = await settledOrders(ordersClient, since, settleMs);
    const statuses = await reservationStatuses(
      stockClient,
      settled.map((order) => order.order_id),
    );
    const orders = settled.map((order) => ({
      ...order,
      reservation_status: statuses.get(order.order_id) ?? null,
    }));
    // Charges are read after the orders settled, so a compensation's refund is in them.
    const charges = await chargesSince(paymentUrl, apiKey, since);
    const stock = await stockRows(stockClient);
    const problems = auditViolations({ orders, charges: charges.byOrder, stock, chargeViolations });
    return {
      orders,
      problems,
      summary: describeAudit({ orders, chargesRead: charges.read, skus: stock.length, problems }),
    };
  } finally {
    await Promise.all([ordersClient.end(), stockClient.end()]);
  }
}

/**
 * Audits the orders since `since` of a running local system (its state.json): the business database its agents
 * were given and the payment gateway its payment agent charges, read with the demo system's sandbox key. Resolves
 * with `{ skipped }` naming why when the system keeps no database or charges no gateway this can read.
 */
export async function auditSystem(state, since, settleMs) {
  const envOf = (name, variable) => state.processes.find((p) => p.name === name)?.env?.[variable];
  const databaseUrls = {
    orders: envOf('order-agent', 'DATABASE_URL'),
    stock: envOf('database-agent', 'DATABASE_URL'),
  };
  const paymentUrl = envOf('payment-agent', 'PAYMENT_GATEWAY_URL');
  if (!databaseUrls.orders || !databaseUrls.stock)
    return { skipped: 'the order or database agent keeps no PostgreSQL (no DATABASE_URL in the state)' };
  const sandboxUrl = state.processes.find((p) => p.name === 'payment-sandbox')?.url;
  // Only the local sandbox's books are read (with its demo key): a real gateway's are not this script's.
  if (!paymentUrl || paymentUrl !== sandboxUrl)
    return { skipped: 'the payment agent charges no local payment sandbox (PAYMENT_GATEWAY_URL)' };
  const demo = JSON.parse(readFileSync(join(root, 'scripts/demo-system.json'), 'utf8'));
  return auditOrders({ databaseUrls, paymentUrl, apiKey: demo.paymentSandboxKey, since, settleMs });
}
