#!/usr/bin/env node
// The order path's hot statements, unnamed against named, on a real PostgreSQL:
//
//   eval "$(scripts/test-servers.sh start)"   # or any MESH_TEST_POSTGRES_URL whose role may CREATE DATABASE
//   node scripts/bench-pg-statements.mjs --count 3000 --rounds 3
//
// Each statement runs through the code that sends it in the agents (the order and payment stores, the
// database agent's data service, the shared rate-limit counter, the analytics event store), one at a time on
// a pool of one connection, so every call lands on one backend. "unnamed" hands pg each statement's text
// and values without the name (Parse and plan on every call, as before the statements were named); "named"
// passes the code's query config untouched. Rounds alternate which mode goes first, each on a fresh
// connection (so named statements are prepared anew), after a warm-up. Printed per statement, medians of the
// rounds: client CPU (this process, process.cpuUsage: pg and the store code), backend CPU (the server process
// of the connection, /proc/<pid>/schedstat, nanoseconds) and wall time, all in µs per call.
//
// Needs the built packages (`pnpm build`). Creates a throw-away database `bench_pgstmt_<random>` and drops it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url);
const load = (path) => import(new URL(path, root).href);
const [orderAgent, paymentAgent, databaseAgent, analyticsAgent, backends] = await Promise.all([
  load('agents/order/dist/index.js'),
  load('agents/payment/dist/index.js'),
  load('agents/database/dist/index.js'),
  load('agents/analytics/dist/index.js'),
  load('packages/backends/dist/index.js'),
]);
const pg = createRequire(new URL('packages/backends/package.json', root))('pg');

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '200' },
  },
});
const count = Math.min(Math.max(Number(args.count), 100), 50_000);
const rounds = Math.min(Math.max(Number(args.rounds), 1), 10);
const warmup = Math.min(Math.max(Number(args.warmup), 10), 5_000);
const adminUrl = process.env['MESH_TEST_POSTGRES_URL'];
if (adminUrl === undefined) {
  console.error(
    'BENCH_NO_DATABASE: set MESH_TEST_POSTGRES_URL (eval "$(scripts/test-servers.sh start)" prints it)',
  );
  process.exit(2);
}

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const databaseName = `bench_pgstmt_${randomBytes(4).toString('hex')}`;

/** CPU the process `pid` has run, in nanoseconds (schedstat's first field: more precise than stat's ticks). */
function cpuNs(pid) {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

/** The pool the stores use; in "unnamed" mode every named config goes out as bare text and values. */
function benchPool(url, mode) {
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  // The final DROP DATABASE … WITH (FORCE) may still find a connection closing: its termination is expected.
  pool.on('error', () => {});
  if (mode === 'unnamed') {
    const query = pool.query.bind(pool);
    pool.query = (config, values, callback) =>
      typeof config === 'object' && config !== null && typeof config.name === 'string'
        ? query(config.text, config.values, callback)
        : query(config, values, callback);
  }
  return pool;
}

/** The statements, each a function of its call number that sends exactly the order path's statement. */
function statements(pool, tag) {
  const orders = new orderAgent.PgOrderStore(pool);
  const payments = new paymentAgent.PgPaymentStore(pool);
  const data = databaseAgent.createDataService({ pool, cache: backends.createCache({ prefix: tag }) });
  const counters = backends.createSharedStore({ pool, prefix: `${tag}:`, logger: silent });
  const events = new analyticsAgent.PgOrderEventStore(pool);
  const orderId = (i) => `${tag}-${i}`;
  const reservationIds = [];
  return [
    [
      'order insert (create)',
      (i) =>
        orders.create(
          {
            orderId: orderId(i),
            requestHash: 'h',
            userId: 'user-1',
            items: [{ sku: 'BENCH-1', quantity: 1 }],
            total: 19.99,
            currency: 'USD',
            paymentMethod: 'card',
            traceId: '0af7651916cd43dd8448eb211c80319c',
            state: 'reserved',
            reservationId: `res-${orderId(i)}`,
            userEmail: 'user@example.com',
            paymentStatus: 'pending',
          },
          'bench-owner',
          30_000,
        ),
    ],
    [
      'order update (completed)',
      (i) =>
        orders.transition(orderId(i), 'bench-owner', 'completed', {
          paymentId: `pay-${i}`,
          paymentStatus: 'succeeded',
        }),
    ],
    [
      'payment insert (begin)',
      (i) =>
        payments.begin({
          orderId: orderId(i),
          userId: 'user-1',
          amountCents: 1999,
          currency: 'USD',
          paymentMethod: 'card',
        }),
    ],
    [
      'payment update (complete)',
      (i) => payments.complete(orderId(i), { status: 'succeeded', paymentId: `pay-${i}` }),
    ],
    [
      'stock reserve (function)',
      async (i) => {
        const reserved = await data.store({
          op: 'stock.reserve',
          order_id: orderId(i),
          items: [{ sku: 'BENCH-1', quantity: 1 }],
          ttl_seconds: 300,
        });
        reservationIds[i] = reserved.reservation_id;
      },
    ],
    [
      'stock commit (function)',
      (i) => data.store({ op: 'stock.commit_many', reservation_ids: [reservationIds[i]] }),
    ],
    ['rate-limit counter', (i) => counters.hit(`user-${i % 50}`, 1000)],
    [
      'analytics insert (4 events)',
      (i) =>
        events.insertBatch(
          [0, 1].flatMap((k) => [
            {
              orderId: orderId(2 * i + k),
              type: 'created',
              kind: 'created',
              amountCents: 1999,
              occurredAt: new Date(),
            },
            {
              orderId: orderId(2 * i + k),
              type: 'completed',
              kind: 'completed',
              amountCents: 1999,
              occurredAt: new Date(),
            },
          ]),
        ),
    ],
  ];
}

async function runRound(url, mode, round) {
  const pool = benchPool(url, mode);
  try {
    const pid = (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const tag = `r${round}${mode[0]}`;
    const results = new Map();
    for (const [name, run] of statements(pool, tag)) {
      for (let i = 0; i < warmup; i += 1) await run(count + i);
      const client0 = process.cpuUsage();
      const backend0 = cpuNs(pid);
      const wall0 = process.hrtime.bigint();
      for (let i = 0; i < count; i += 1) await run(i);
      const wallNs = Number(process.hrtime.bigint() - wall0);
      const backendNs = cpuNs(pid) - backend0;
      const client = process.cpuUsage(client0);
      results.set(name, {
        client: (client.user + client.system) / count,
        backend: backendNs / 1000 / count,
        wall: wallNs / 1000 / count,
      });
    }
    return results;
  } finally {
    await pool.end();
  }
}

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${databaseName}`);
const url = new URL(adminUrl);
url.pathname = `/${databaseName}`;
try {
  const setup = new pg.Pool({ connectionString: url.toString(), max: 2 });
  try {
    const options = { logger: silent };
    await backends.runMigrations(setup, databaseAgent.BUSINESS_DB_MIGRATIONS, {
      name: 'database-agent',
      ...options,
    });
    await backends.runMigrations(setup, orderAgent.ORDER_MIGRATIONS, { name: 'order-agent', ...options });
    await backends.runMigrations(setup, paymentAgent.PAYMENT_MIGRATIONS, {
      name: 'payment-agent',
      ...options,
    });
    await backends.runMigrations(setup, analyticsAgent.ANALYTICS_MIGRATIONS, {
      name: 'analytics',
      ...options,
    });
    const data = databaseAgent.createDataService({
      pool: setup,
      cache: backends.createCache({ prefix: 's' }),
    });
    await data.store({ op: 'stock.restock', sku: 'BENCH-1', quantity: 2 * rounds * (count + warmup) + 10 });
    await setup.query(`UPDATE stock SET price = 19.99, currency = 'usd' WHERE sku = 'BENCH-1'`);
  } finally {
    await setup.end();
  }
  const samples = { unnamed: [], named: [] };
  for (let round = 0; round < rounds; round += 1) {
    const modes = round % 2 === 0 ? ['unnamed', 'named'] : ['named', 'unnamed'];
    for (const mode of modes) samples[mode].push(await runRound(url.toString(), mode, round));
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  const names = [...samples.named[0].keys()];
  const cell = (mode, name, field) => median(samples[mode].map((round) => round.get(name)[field]));
  const rows = names.map((name) => {
    const [uc, nc] = [cell('unnamed', name, 'client'), cell('named', name, 'client')];
    const [ub, nb] = [cell('unnamed', name, 'backend'), cell('named', name, 'backend')];
    const [uw, nw] = [cell('unnamed', name, 'wall'), cell('named', name, 'wall')];
    return { name, uc, nc, ub, nb, uw, nw };
  });
  const sum = (field) => rows.reduce((total, row) => total + row[field], 0);
  rows.push({
    name: 'all of the above',
    ...Object.fromEntries(['uc', 'nc', 'ub', 'nb', 'uw', 'nw'].map((f) => [f, sum(f)])),
  });
  const f = (n) => n.toFixed(1).padStart(7);
  console.log(`${count} calls per statement, ${rounds} rounds (medians), µs per call: unnamed -> named`);
  console.log(
    `${'statement'.padEnd(30)} ${'client CPU'.padStart(19)} ${'backend CPU'.padStart(19)} ${'wall'.padStart(19)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(30)} ${f(r.uc)} ->${f(r.nc)}   ${f(r.ub)} ->${f(r.nb)}   ${f(r.uw)} ->${f(r.nw)}`,
    );
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
}
