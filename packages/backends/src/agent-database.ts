import type { Logger } from '@mesh/common';
import type pg from 'pg';
import { runMigrations, type Migration } from './migrations.js';
import { pgConfigToUrl, type PgConfig } from './postgres-config.js';
import { createPgPool, ensureDatabase } from './postgres-pool.js';

export interface OpenAgentDatabaseOptions {
  /** The agent's name: the pool's application_name and its migration set. */
  name: string;
  migrations: readonly Migration[];
  logger: Logger;
  /** Commit synchronously on this pool (money: see createPgPool). */
  synchronousCommit?: boolean;
  /** What the log line says is kept there, e.g. "payment records". */
  holds: string;
}

/**
 * An agent's database, ready to use: created when missing (waiting for the server as `config` allows), a pool,
 * and the agent's migrations applied under the advisory lock. A failed migration closes the pool again.
 */
export async function openAgentDatabase(
  config: PgConfig,
  options: OpenAgentDatabaseOptions,
): Promise<pg.Pool> {
  const { logger } = options;
  await ensureDatabase(config, { logger });
  const pool = createPgPool(config, {
    logger,
    applicationName: options.name,
    ...(options.synchronousCommit === undefined ? {} : { synchronousCommit: options.synchronousCommit }),
  });
  try {
    await runMigrations(pool, options.migrations, { name: options.name, logger });
  } catch (error: unknown) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  logger.info({ database: pgConfigToUrl(config) }, `${options.holds} in PostgreSQL`);
  return pool;
}
