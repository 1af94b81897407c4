import { runMigrations, type Migration } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type pg from 'pg';

/** Enough units per SKU for long load tests. */
export const DEMO_STOCK_PER_SKU = 1_000_000;
export const DEMO_USERS = 100;
export const DEMO_SKUS = 20;

/** Price of demo SKU ITEM-n: 9.99, 14.99, 19.99, … */
export function demoPrice(n: number): number {
  return Number((4.99 + 5 * n).toFixed(2));
}

const DEMO_DATA: readonly Migration[] = [
  {
    id: '001-users-and-skus',
    sql: `INSERT INTO users (id, username, email, name)
            SELECT 'user-' || n, 'user-' || n, 'user-' || n || '@example.com', 'Demo User ' || n
            FROM generate_series(0, ${DEMO_USERS - 1}) AS n
          ON CONFLICT DO NOTHING;
          INSERT INTO stock (sku, name, price, available)
            SELECT 'ITEM-' || n, 'Demo item ' || n, round(4.99 + 5 * n, 2), ${DEMO_STOCK_PER_SKU}
            FROM generate_series(1, ${DEMO_SKUS}) AS n
          ON CONFLICT DO NOTHING;`,
  },
];

/**
 * Seeds demo users (user-0..user-99) and SKUs (ITEM-1..ITEM-20) once per database: recorded like a migration,
 * so restarts never refill depleted stock, and replicas starting together seed exactly once.
 */
export async function seedDemoData(pool: pg.Pool, logger?: Logger): Promise<boolean> {
  const applied = await runMigrations(pool, DEMO_DATA, { name: 'database-agent-demo-data', logger });
  return applied.length > 0;
}
