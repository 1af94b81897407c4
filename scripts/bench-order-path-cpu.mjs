#!/usr/bin/env node
// CPU of the order path's own work per order, this build against another checkout's, in one process:
//
//   MESH_TEST_POSTGRES_URL=… node scripts/bench-order-path-cpu.mjs --baseline /path/to/other/checkout
//
// Two parts, each alternating the builds round by round (which goes first alternates too), after a warm-up:
// - "order writes": the order store's two writes of a completed order (the insert stored `reserved`, then the
//   transition to `completed` handed the order, as the saga does), one at a time on a pool of one connection;
//   client CPU (process.cpuUsage: pg and the store) and backend CPU (/proc/<pid>/schedstat) per order.
// - "gateway charge": the payment agent's gateway client charging the payment sandbox over loopback HTTP, both
//   in this process, with a caller's signal as the tool context passes one; CPU of both per charge.
// Whole-system runs (bench-orders.mjs) cannot resolve changes of this size on a shared host; this can.
//
// Needs both checkouts built (`pnpm build`). Creates a throw-away database `bench_orderpath_<random>` and drops it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    count: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
  },
});
const adminUrl = process.env['MESH_TEST_POSTGRES_URL'];
if (args.baseline === undefined || adminUrl === undefined) {
  console.error('BENCH_USAGE: --baseline DIR (a built checkout) and MESH_TEST_POSTGRES_URL are required');
  process.exit(2);
}
const count = Math.min(Math.max(Number(args.count), 100), 20_000);
const rounds = Math.min(Math.max(Number(args.rounds), 2), 10);

const roots = {
  baseline: pathToFileURL(`${resolve(args.baseline)}/`),
  this: new URL('..', import.meta.url),
};
const load = (root, path) => import(new URL(path, root).href);
const builds = {};
for (const [label, root] of Object.entries(roots)) {
  const [order, payment, sandboxes, backends] = await Promise.all([
    load(root, 'agents/order/dist/index.js'),
    load(root, 'agents/payment/dist/index.js'),
    load(root, 'packages/sandboxes/dist/index.js'),
    load(root, 'packages/backends/dist/index.js'),
  ]);
  builds[label] = { order, payment, sandboxes, backends };
}
const pg = createRequire(new URL('packages/backends/package.json', roots.this))('pg');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const cpuUs = (since) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/** CPU the process `pid` has run, in nanoseconds. */
function cpuNs(pid) {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

async function orderWrites(url) {
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  pool.on('error', () => {});
  const { rows } = await pool.query('SELECT pg_backend_pid() AS pid');
  const backendPid = rows[0].pid;
  await builds.this.backends.runMigrations(pool, builds.this.order.ORDER_MIGRATIONS, { name: 'bench' });
  let n = 0;
  const run = async (label, orders) => {
    const store = new builds[label].order.PgOrderStore(pool);
    const client = process.cpuUsage();
    const backend = cpuNs(backendPid);
    for (let i = 0; i < orders; i += 1) {
      const orderId = `${label}-${(n += 1)}`;
      const { order } = await store.create(
        {
          orderId,
          requestHash: 'h',
          userId: 'user-1',
          items: [
            { sku: 'BENCH-1', quantity: 2 },
            { sku: 'BENCH-2', quantity: 1 },
          ],
          total: 59.97,
          currency: 'usd',
          paymentMethod: null,
          traceId: '0af7651916cd43dd8448eb211c80319c',
          state: 'reserved',
          reservationId: `res-${orderId}`,
          userEmail: 'user@example.com',
          userPhone: null,
          paymentStatus: 'pending',
        },
        'bench-owner',
        30_000,
      );
      // The saga hands the order it holds; a baseline store takes four arguments and ignores it.
      await store.transition(
        orderId,
        'bench-owner',
        'completed',
        { paymentId: `ch_${orderId}`, paymentStatus: 'succeeded' },
        order,
      );
    }
    return { client: cpuUs(client) / orders, backend: (cpuNs(backendPid) - backend) / 1000 / orders };
  };
  const results = await alternate(run);
  await pool.end();
  return results;
}

async function gatewayCharges() {
  const key = 'sk_test_bench_order_path';
  const systems = {};
  for (const label of Object.keys(builds)) {
    const sandbox = builds[label].sandboxes.createPaymentSandbox({ apiKey: key });
    const { url } = await sandbox.listen(0, '127.0.0.1');
    const client = new builds[label].payment.GatewayClient({ baseUrl: url, apiKey: key, timeoutMs: 10_000 });
    systems[label] = { sandbox, client };
  }
  let n = 0;
  const caller = new AbortController();
  const run = async (label, charges) => {
    const { client } = systems[label];
    const started = process.cpuUsage();
    for (let i = 0; i < charges; i += 1) {
      n += 1;
      await client.charge(
        {
          orderId: `ord-${label}-${n}`,
          userId: 'user-1',
          amountCents: 5997,
          currency: 'usd',
          token: 'tok_visa',
          idempotencyKey: `ord-${label}-${n}`,
        },
        { signal: caller.signal, timeoutMs: 29_000 },
      );
    }
    return { both: cpuUs(started) / charges };
  };
  const results = await alternate(run);
  for (const { sandbox, client } of Object.values(systems)) {
    client.close();
    await sandbox.close();
  }
  return results;
}

/** Warm-up of each build, then `rounds` measured rounds, alternating which build goes first. */
async function alternate(run) {
  const labels = Object.keys(builds);
  for (const label of labels) await run(label, Math.min(500, count));
  const samples = Object.fromEntries(labels.map((label) => [label, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? labels : [...labels].reverse();
    for (const label of order) samples[label].push(await run(label, count));
  }
  return samples;
}

function print(title, samples) {
  console.log(title);
  const fields = Object.keys(samples.this[0]);
  for (const field of fields) {
    const [before, after] = ['baseline', 'this'].map((label) => samples[label].map((s) => s[field]));
    const m = [median(before), median(after)];
    console.log(
      `  ${field.padEnd(8)} µs per order: baseline ${m[0].toFixed(1)} -> this ${m[1].toFixed(1)} ` +
        `(${(m[1] - m[0]).toFixed(1)}, ${(m[1] / m[0]).toFixed(3)}x; rounds ${before.map((v) => v.toFixed(0)).join(' ')} | ` +
        `${after.map((v) => v.toFixed(0)).join(' ')})`,
    );
  }
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const databaseName = `bench_orderpath_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${databaseName}`);
try {
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  print(`order writes (insert + completed), ${rounds} rounds of ${count}`, await orderWrites(url.href));
  print(`gateway charge (client + sandbox), ${rounds} rounds of ${count}`, await gatewayCharges());
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
}
