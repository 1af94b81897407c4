import { createPgPool, ensureDatabase, pgConfigToUrl, runMigrations, type PgConfig } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type pg from 'pg';
import { seedDemoData } from './demo-data.js';
import { BUSINESS_DB_MIGRATIONS } from './schema.js';

export interface PrepareDatabaseOptions {
  logger: Logger;
  demoData: boolean;
}

/**
 * Creates business_db when missing, migrates it and seeds demo data (once per database), then returns a pool.
 * Every step is safe when several replicas start together.
 */
export async function prepareBusinessDatabase(
  config: PgConfig,
  options: PrepareDatabaseOptions,
): Promise<pg.Pool> {
  const { logger } = options;
  await ensureDatabase(config, { logger });
  const pool = createPgPool(config, { logger, applicationName: 'database-agent' });
  try {
    await runMigrations(pool, BUSINESS_DB_MIGRATIONS, { name: 'database-agent', logger });
    if (options.demoData && (await seedDemoData(pool, logger))) {
      logger.info({ database: config.database }, 'seeded demo users and SKUs');
    }
  } catch (error: unknown) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  logger.info({ database: pgConfigToUrl(config) }, 'business database ready');
  return pool;
}
