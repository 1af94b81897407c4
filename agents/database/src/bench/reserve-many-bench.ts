import { CPU_TICK_US, cpuTicks, median } from '@mesh/testkit';
import { parseArgs } from 'node:util';
import { BUSINESS_DB_MIGRATIONS } from '../schema.js';
import { createTestBusinessDb } from '../test-support.js';

/**
 * What a batch of reservations costs with `mesh_reserve_stock_many` as migration 009 wrote it (seven statements
 * per order while the batch holds its stock rows) against 010 (the orders' writes gathered into one insert,
 * one stock update and one read): `node dist/bench/reserve-many-bench.js --batches 400 --batch 5 --rounds 6`.
 * Every order takes one unit of one SKU, as the load test's orders do. One connection, so one backend, whose
 * CPU (utime+stime from /proc, so the server must run on this host) is read around each round's batches;
 * the two definitions alternate each round, installed on the same database. The wall time of a batch is how
 * long it keeps the SKU's row from every other transaction (its commit, which waits for no WAL flush here,
 * aside). Uses a throw-away database on MESH_TEST_POSTGRES_URL.
 */
const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '400' },
    batch: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '6' },
  },
});
const batches = Math.min(Math.max(Number(values.batches), 50), 20_000);
const batchSize = Math.min(Math.max(Number(values.batch), 1), 50);
const rounds = Math.min(Math.max(Number(values.rounds), 2), 20);
const adminUrl = process.env['MESH_TEST_POSTGRES_URL'];
if (adminUrl === undefined) throw new Error('set MESH_TEST_POSTGRES_URL');

const migrationSql = (id: string): string => {
  const migration = BUSINESS_DB_MIGRATIONS.find((candidate) => candidate.id === id);
  if (migration === undefined) throw new Error(`no migration ${id}`);
  return migration.sql;
};
const DEFINITIONS = {
  // 009 creates the function; here it replaces 010's on a database migrated to the end.
  'per order (009)': migrationSql('009-reserve-many-function').replace(
    'CREATE FUNCTION',
    'CREATE OR REPLACE FUNCTION',
  ),
  'gathered (010)': migrationSql('010-reserve-many-gathered'),
};
type Definition = keyof typeof DEFINITIONS;

const db = await createTestBusinessDb(adminUrl, { poolMax: 1 });
const { pool, service } = db;
const perDefinition = new Map<Definition, { cpuUs: number[]; wallUs: number[] }>();
try {
  const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const backendCpuUs = (): number => cpuTicks(backend) * CPU_TICK_US;
  // As the embedded server runs the database agent's sessions: no wait for the WAL flush.
  await pool.query('SET synchronous_commit = off');
  const warmup = 50;
  const units = (batches * rounds + warmup * 2) * batchSize;
  await service.store({ op: 'stock.restock', sku: 'BENCH-1', quantity: units });
  let order = 0;
  // Two unmeasured rounds first, one per definition: caches and the compiled body are warm before anything
  // counts.
  for (let round = -2; round < rounds; round += 1) {
    const definition: Definition = round % 2 === 0 ? 'per order (009)' : 'gathered (010)';
    await pool.query(DEFINITIONS[definition]);
    const count = round < 0 ? warmup : batches;
    const cpuBefore = backendCpuUs();
    const started = performance.now();
    for (let i = 0; i < count; i += 1) {
      const reservations = Array.from({ length: batchSize }, () => {
        order += 1;
        return {
          order_id: `bench-${String(order).padStart(9, '0')}`,
          items: [{ sku: 'BENCH-1', quantity: 1 }],
          ttl_seconds: 300,
        };
      });
      const { results } = await service.store({ op: 'stock.reserve_many' as const, reservations });
      if (results.some((result) => result.error !== undefined)) throw new Error('a reservation was refused');
    }
    if (round < 0) continue;
    const orders = count * batchSize;
    const figures = perDefinition.get(definition) ?? { cpuUs: [], wallUs: [] };
    figures.cpuUs.push((backendCpuUs() - cpuBefore) / orders);
    figures.wallUs.push(((performance.now() - started) * 1000) / count);
    perDefinition.set(definition, figures);
    process.stdout.write(
      `round ${round + 1} ${definition}: ${figures.cpuUs.at(-1)!.toFixed(1)} µs of backend CPU per order, ` +
        `${(figures.wallUs.at(-1)! / 1000).toFixed(2)} ms per batch of ${batchSize}\n`,
    );
  }
  const summary = Object.fromEntries(
    [...perDefinition].map(([definition, figures]) => [
      definition,
      {
        backend_cpu_us_per_order: Number(median(figures.cpuUs).toFixed(1)),
        ms_per_batch: Number((median(figures.wallUs) / 1000).toFixed(3)),
      },
    ]),
  );
  const before = perDefinition.get('per order (009)')!;
  const after = perDefinition.get('gathered (010)')!;
  process.stdout.write(
    `${JSON.stringify({
      batch: batchSize,
      batches_per_round: batches,
      rounds,
      medians: summary,
      gathered_over_per_order: {
        cpu: Number((median(after.cpuUs) / median(before.cpuUs)).toFixed(3)),
        batch_time: Number((median(after.wallUs) / median(before.wallUs)).toFixed(3)),
      },
    })}\n`,
  );
} finally {
  await db.close();
}
