import { createCache } from '@mesh/backends';
import { isMeshError, silentLogger } from '@mesh/common';
import { createTestDatabase } from '@mesh/testkit';
import { parseArgs } from 'node:util';
import { createDataService } from '../data-service.js';
import { prepareBusinessDatabase } from '../database.js';

/**
 * Reservation throughput on a real PostgreSQL, straight through the data service (no mesh hop):
 * `node dist/bench/reserve-bench.js --orders 2000 --concurrency 20 [--skus 1]`. Every order reserves one unit
 * of one of `--skus` SKUs and commits it. Uses a throw-away database on MESH_TEST_POSTGRES_URL.
 */
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '20' },
    skus: { type: 'string', default: '1' },
  },
});
const orders = Math.min(Number(values.orders), 100_000);
const concurrency = Math.min(Number(values.concurrency), 200);
const skuCount = Math.min(Math.max(Number(values.skus), 1), 20);
const adminUrl = process.env['MESH_TEST_POSTGRES_URL'];
if (adminUrl === undefined) throw new Error('set MESH_TEST_POSTGRES_URL');

const database = await createTestDatabase(adminUrl, 'bench');
const url = new URL(database.url);
const pool = await prepareBusinessDatabase(
  {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: database.name,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    max: concurrency,
  },
  { logger: silentLogger(), demoData: false },
);
const cache = createCache({ prefix: 'bench:' });
const service = createDataService({ pool, cache });
try {
  const skus = Array.from({ length: skuCount }, (_, i) => `BENCH-${i + 1}`);
  // One unit short on purpose: the last order must fail with OUT_OF_STOCK, never oversell.
  const perSku = Math.ceil(orders / skuCount);
  for (const sku of skus) await service.store({ op: 'stock.restock', sku, quantity: perSku });
  const capacity = perSku * skuCount;
  const latencies: number[] = [];
  let next = 0;
  let outOfStock = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < orders + 1; i = next++) {
        const t0 = performance.now();
        try {
          const reserved = await service.store({
            op: 'stock.reserve',
            order_id: `bench-${i}`,
            items: [{ sku: skus[i % skuCount]!, quantity: 1 }],
            ttl_seconds: 300,
          });
          await service.store({ op: 'stock.commit', reservation_id: reserved['reservation_id'] as string });
        } catch (error: unknown) {
          if (!isMeshError(error, 'OUT_OF_STOCK')) throw error;
          outOfStock += 1;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): string => (latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(1);
  const totals = await pool.query<{ available: string; sold: string }>(
    'SELECT sum(available) AS available, sum(sold) AS sold FROM stock',
  );
  process.stdout.write(
    `${JSON.stringify({
      orders: orders + 1,
      capacity,
      concurrency,
      skus: skuCount,
      orders_per_second: Math.round((orders + 1) / seconds),
      p50_ms: pct(0.5),
      p99_ms: pct(0.99),
      out_of_stock: outOfStock,
      sold: Number(totals.rows[0]?.sold),
      available: Number(totals.rows[0]?.available),
    })}\n`,
  );
} finally {
  await cache.close();
  await pool.end();
  await database.drop();
}
