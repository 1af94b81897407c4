import { createHash } from 'node:crypto';
import { silentLogger, type Logger } from '@mesh/common';
import type pg from 'pg';

/** One schema step. `id`s sort in apply order within a migration set; never edit an applied one. */
export interface Migration {
  id: string;
  sql: string;
}

export interface RunMigrationsOptions {
  /** The migration set (usually the app name); sets share one bookkeeping table per database. */
  name: string;
  logger?: Logger;
}

/** Advisory lock key for all migration runs in one database (advisory locks are per database). */
const MIGRATION_LOCK_KEY = 7_264_913_501;

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

/**
 * Applies the migrations not yet recorded, each in its own transaction, holding a session advisory lock
 * so replicas starting together never race: the second waits, then finds everything applied.
 * Returns the ids applied by this call.
 */
export async function runMigrations(
  pool: pg.Pool,
  migrations: readonly Migration[],
  options: RunMigrationsOptions,
): Promise<string[]> {
  const logger = options.logger ?? silentLogger();
  const ids = new Set<string>();
  for (const migration of migrations) {
    if (ids.has(migration.id)) throw new Error(`duplicate migration id ${options.name}/${migration.id}`);
    ids.add(migration.id);
  }
  const client = await pool.connect();
  const applied: string[] = [];
  let unlocked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS mesh_schema_migrations (
        migration_set text NOT NULL,
        id text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (migration_set, id))`);
      const done = await client.query<{ id: string; checksum: string }>(
        'SELECT id, checksum FROM mesh_schema_migrations WHERE migration_set = $1',
        [options.name],
      );
      const known = new Map(done.rows.map((row) => [row.id, row.checksum]));
      for (const migration of migrations) {
        const sum = checksum(migration.sql);
        const previous = known.get(migration.id);
        if (previous !== undefined) {
          if (previous !== sum) {
            logger.warn(
              { migrationSet: options.name, migration: migration.id },
              'applied migration was edited since; leaving it as applied',
            );
          }
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            'INSERT INTO mesh_schema_migrations (migration_set, id, checksum) VALUES ($1, $2, $3)',
            [options.name, migration.id, sum],
          );
          await client.query('COMMIT');
        } catch (error: unknown) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        applied.push(migration.id);
        logger.info({ migrationSet: options.name, migration: migration.id }, 'applied migration');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).then(
        () => (unlocked = true),
        () => undefined,
      );
    }
  } finally {
    // A client that may still hold the lock is destroyed rather than returned to the pool.
    client.release(!unlocked);
  }
  return applied;
}
