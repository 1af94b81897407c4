import { runMigrations } from '@mesh/backends';
import { CPU_TICK_US, cpuTicks, createTestDatabase, median } from '@mesh/testkit';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PAYMENT_MIGRATIONS, PgPaymentStore } from '../pg-payment-store.js';

/**
 * What recording one charge costs the database, as the payment agent did it before (a `pending` insert before
 * the charge, the outcome's update after: two commits waiting for the WAL flush) and as it does now (a read
 * before the charge, the outcome's insert after: one such commit):
 * `node dist/bench/record-bench.js --payments 2000 --rounds 6`. The charge itself is left out (no gateway).
 * One connection with synchronous_commit=on, as the agent's pool; the backend's CPU (utime+stime from /proc,
 * so the server must run on this host) is read around each round, the two ways alternating. Uses a throw-away
 * database on MESH_TEST_POSTGRES_URL.
 */
const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '6' },
  },
});
const payments = Math.min(Math.max(Number(values.payments), 100), 50_000);
const rounds = Math.min(Math.max(Number(values.rounds), 2), 20);
const adminUrl = process.env['MESH_TEST_POSTGRES_URL'];
if (adminUrl === undefined) throw new Error('set MESH_TEST_POSTGRES_URL');

/** The statements the agent sent before this change (pg-payment-store.ts at 0fd9753), one commit each. */
const BEFORE_BEGIN = `INSERT INTO payments (order_id, user_id, amount_cents, currency, payment_method, status, attempts)
  VALUES ($1, $2, $3, $4, $5, 'pending', 1)
  ON CONFLICT (order_id) DO UPDATE SET
    attempts = payments.attempts + CASE WHEN payments.status = 'pending' THEN 1 ELSE 0 END,
    updated_at = CASE WHEN payments.status = 'pending' THEN now() ELSE payments.updated_at END
  RETURNING order_id, user_id, amount_cents, currency, payment_method, status, payment_id, decline_code,
    refund_id, refunded_cents, attempts`;
const BEFORE_COMPLETE = `UPDATE payments SET status = $2, payment_id = $3, decline_code = $4, updated_at = now()
  WHERE order_id = $1 AND status = 'pending'
  RETURNING order_id, user_id, amount_cents, currency, payment_method, status, payment_id, decline_code,
    refund_id, refunded_cents, attempts`;

type Way = 'pending, then the outcome' | 'read, then the outcome';

const db = await createTestDatabase(adminUrl, 'payment_record_bench');
const pool = new pg.Pool({ connectionString: db.url, max: 1, options: '-c synchronous_commit=on' });
const store = new PgPaymentStore(pool);
const perWay = new Map<Way, { backendUs: number[]; clientUs: number[]; wallUs: number[] }>();
try {
  await runMigrations(pool, PAYMENT_MIGRATIONS, { name: 'payment-agent' });
  const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  let order = 0;
  const payment = () => {
    order += 1;
    return {
      orderId: `bench-${String(order).padStart(9, '0')}`,
      userId: 'user-1',
      amountCents: 1999,
      currency: 'usd',
      paymentMethod: 'tok_visa',
    };
  };
  const ways: Record<Way, () => Promise<void>> = {
    'pending, then the outcome': async () => {
      const p = payment();
      await pool.query({
        name: 'bench-begin',
        text: BEFORE_BEGIN,
        values: [p.orderId, p.userId, p.amountCents, p.currency, p.paymentMethod],
      });
      await pool.query({
        name: 'bench-complete',
        text: BEFORE_COMPLETE,
        values: [p.orderId, 'succeeded', `ch_${p.orderId}`, null],
      });
    },
    'read, then the outcome': async () => {
      const p = payment();
      await store.get(p.orderId);
      await store.record(p, { status: 'succeeded', paymentId: `ch_${p.orderId}` });
    },
  };
  // Two unmeasured rounds first, one per way: plans and caches are warm before anything counts.
  for (let round = -2; round < rounds; round += 1) {
    const way: Way = round % 2 === 0 ? 'pending, then the outcome' : 'read, then the outcome';
    const count = round < 0 ? 200 : payments;
    const backendBefore = cpuTicks(backend);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < count; i += 1) await ways[way]();
    if (round < 0) continue;
    const client = process.cpuUsage(clientBefore);
    const figures = perWay.get(way) ?? { backendUs: [], clientUs: [], wallUs: [] };
    figures.backendUs.push(((cpuTicks(backend) - backendBefore) * CPU_TICK_US) / count);
    figures.clientUs.push((client.user + client.system) / count);
    figures.wallUs.push(((performance.now() - started) * 1000) / count);
    perWay.set(way, figures);
    process.stdout.write(
      `round ${round + 1} ${way}: backend ${figures.backendUs.at(-1)!.toFixed(0)} µs, ` +
        `this process ${figures.clientUs.at(-1)!.toFixed(0)} µs, ${figures.wallUs.at(-1)!.toFixed(0)} µs of wall ` +
        'time per payment\n',
    );
  }
  const medians = (way: Way) => {
    const figures = perWay.get(way)!;
    return {
      backend_us: Math.round(median(figures.backendUs)),
      client_us: Math.round(median(figures.clientUs)),
      wall_us: Math.round(median(figures.wallUs)),
    };
  };
  const before = medians('pending, then the outcome');
  const after = medians('read, then the outcome');
  process.stdout.write(
    `${JSON.stringify({
      payments_per_round: payments,
      rounds,
      medians: { before, after },
      after_over_before: {
        backend: Number((after.backend_us / before.backend_us).toFixed(3)),
        client: Number((after.client_us / before.client_us).toFixed(3)),
        wall: Number((after.wall_us / before.wall_us).toFixed(3)),
      },
    })}\n`,
  );
} finally {
  await pool.end();
  await db.drop();
}
