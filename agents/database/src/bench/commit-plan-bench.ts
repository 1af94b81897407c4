import { CPU_TICK_US, cpuTicks, median } from '@mesh/testkit';
import { parseArgs } from 'node:util';
import { createTestBusinessDb } from '../test-support.js';

/**
 * What an order's reservation and its commit cost the PostgreSQL backend with the two functions' statements
 * planned once (generic plans, migrations 007 and 008) against planned as the server chooses (anew on every
 * call while it finds a custom plan cheaper): `node dist/bench/commit-plan-bench.js --orders 2000 --rounds 4`.
 * One connection, so one backend, whose CPU (utime+stime from /proc, so the server must run on this host) is
 * read around `--orders` single-item `stock.reserve` calls, then as many single-id `stock.commit_many` calls,
 * as the order agent sends them at low rates; the modes alternate each round. Uses a throw-away database on
 * MESH_TEST_POSTGRES_URL.
 */
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
  },
});
const orders = Math.min(Math.max(Number(values.orders), 100), 50_000);
const rounds = Math.min(Math.max(Number(values.rounds), 2), 20);
const adminUrl = process.env['MESH_TEST_POSTGRES_URL'];
if (adminUrl === undefined) throw new Error('set MESH_TEST_POSTGRES_URL');

const backendCpuMs = (pid: number): number => (cpuTicks(pid) * CPU_TICK_US) / 1000;

// One connection, so one backend to read the CPU of.
const db = await createTestBusinessDb(adminUrl, { poolMax: 1 });
const { pool, service } = db;
const FUNCTIONS = [
  'mesh_reserve_stock_priced(text, text, text[], bigint[], double precision, boolean)',
  'mesh_commit_reservations(text[])',
];
const perMode = {
  generic: { reserve: [] as number[], commit: [] as number[] },
  custom: { reserve: [] as number[], commit: [] as number[] },
};
try {
  const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // As the embedded server runs the database agent's sessions: no wait for the WAL flush, whose fsync would
  // otherwise dominate both modes.
  await pool.query('SET synchronous_commit = off');
  await service.store({ op: 'stock.restock', sku: 'BENCH-1', quantity: orders * rounds + 600 });
  // Two unmeasured rounds first (one per mode, 300 commits): the backend's caches and the function's
  // compiled body are warm before anything counts.
  for (let round = -2; round < rounds; round += 1) {
    const mode = round % 2 === 0 ? 'custom' : 'generic';
    const count = round < 0 ? 300 : orders;
    for (const fn of FUNCTIONS) {
      await pool.query(
        mode === 'generic'
          ? `ALTER FUNCTION ${fn} SET plan_cache_mode = force_generic_plan`
          : `ALTER FUNCTION ${fn} RESET plan_cache_mode`,
      );
    }
    const ids: string[] = [];
    const beforeReserves = backendCpuMs(backend);
    for (let i = 0; i < count; i += 1) {
      const reserved = await service.store({
        op: 'stock.reserve',
        order_id: `bench-${round + 2}-${i}`,
        items: [{ sku: 'BENCH-1', quantity: 1 }],
        ttl_seconds: 600,
      });
      ids.push(reserved['reservation_id'] as string);
    }
    const before = backendCpuMs(backend);
    for (const id of ids) await service.store({ op: 'stock.commit_many', reservation_ids: [id] });
    const commitUs = ((backendCpuMs(backend) - before) * 1000) / count;
    const reserveUs = ((before - beforeReserves) * 1000) / count;
    if (round < 0) continue;
    perMode[mode].reserve.push(reserveUs);
    perMode[mode].commit.push(commitUs);
    process.stdout.write(
      `round ${round + 1} ${mode}: reserve ${reserveUs.toFixed(1)}, commit ${commitUs.toFixed(1)} µs of backend CPU\n`,
    );
  }
  const figures = (mode: 'generic' | 'custom') => ({
    reserve: median(perMode[mode].reserve),
    commit: median(perMode[mode].commit),
  });
  const once = figures('generic');
  const chosen = figures('custom');
  process.stdout.write(
    `${JSON.stringify({
      orders_per_round: orders,
      rounds,
      backend_cpu_us: { planned_as_chosen: chosen, planned_once: once },
      once_over_chosen: {
        reserve: Number((once.reserve / chosen.reserve).toFixed(3)),
        commit: Number((once.commit / chosen.commit).toFixed(3)),
      },
    })}\n`,
  );
} finally {
  await db.close();
}
