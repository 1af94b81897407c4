import { createCache, type Cache, type PgConfig } from '@mesh/backends';
import { silentLogger } from '@mesh/common';
import { createTestDatabase, type TestDatabase } from '@mesh/testkit';
import type pg from 'pg';
import { createDataService, type DataService } from './data-service.js';
import { prepareBusinessDatabase } from './database.js';

export interface TestBusinessDb {
  database: TestDatabase;
  pool: pg.Pool;
  service: DataService;
  cache: Cache;
  close(): Promise<void>;
}

/** A fresh, migrated business database (no demo data unless asked) with a data service on it. */
export async function createTestBusinessDb(
  adminUrl: string,
  options: { demoData?: boolean; cache?: Cache; poolMax?: number } = {},
): Promise<TestBusinessDb> {
  const database = await createTestDatabase(adminUrl, 'business');
  const url = new URL(database.url);
  const config: PgConfig = {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: database.name,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    max: options.poolMax ?? 20,
  };
  const pool = await prepareBusinessDatabase(config, {
    logger: silentLogger(),
    demoData: options.demoData ?? false,
  });
  const cache = options.cache ?? createCache({ prefix: 'test:' });
  const service = createDataService({ pool, cache });
  return {
    database,
    pool,
    service,
    cache,
    async close() {
      await cache.close();
      await pool.end();
      await database.drop();
    },
  };
}

/** A SKU's stock columns, read from the table itself (not through the service's cache). */
export async function stockLevel(
  pool: pg.Pool,
  sku: string,
): Promise<{ available: number; reserved: number; sold: number }> {
  const result = await pool.query<{ available: string; reserved: string; sold: string }>(
    'SELECT available, reserved, sold FROM stock WHERE sku = $1',
    [sku],
  );
  const row = result.rows[0]!;
  return { available: Number(row.available), reserved: Number(row.reserved), sold: Number(row.sold) };
}
