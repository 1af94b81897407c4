import type pg from 'pg';

/** Schema changes in order; each runs once, recorded in registry_migrations. Never edit an applied one. */
export const REGISTRY_MIGRATIONS: readonly { readonly id: string; readonly sql: string }[] = [
  {
    id: '001_agents_and_events',
    sql: `
      CREATE SEQUENCE IF NOT EXISTS registry_change_seq;
      CREATE TABLE IF NOT EXISTS registry_agents (
        agent_id text PRIMARY KEY,
        record jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('healthy', 'unhealthy')),
        created_at bigint NOT NULL,
        last_seen bigint NOT NULL,
        status_changed_at bigint NOT NULL,
        change_seq bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS registry_agents_health ON registry_agents (status, last_seen);
      CREATE TABLE IF NOT EXISTS registry_events (
        id bigserial PRIMARY KEY,
        event_type text NOT NULL,
        agent_id text NOT NULL,
        agent_name text,
        function_name text,
        ts bigint NOT NULL,
        data jsonb
      );
      CREATE INDEX IF NOT EXISTS registry_events_agent ON registry_events (agent_id, id DESC);
      CREATE INDEX IF NOT EXISTS registry_events_type ON registry_events (event_type, id DESC);
    `,
  },
  {
    id: '002_sent_resolution_hash',
    sql: `ALTER TABLE registry_agents ADD COLUMN IF NOT EXISTS sent_hash text;`,
  },
  {
    // Heartbeat times change all the time: with no index on last_seen and room left on each page, writing
    // one is a heap-only (HOT) update that touches no index. The health sweep reads the healthy agents by
    // status and filters on last_seen (a few thousand rows at most).
    id: '003_hot_heartbeat_times',
    sql: `
      DROP INDEX IF EXISTS registry_agents_health;
      CREATE INDEX IF NOT EXISTS registry_agents_status ON registry_agents (status);
      ALTER TABLE registry_agents SET (fillfactor = 50);
    `,
  },
  {
    // Set by the operator before a canary replica registers (see core/canary.ts); a handful of rows.
    id: '004_canaries',
    sql: `
      CREATE TABLE IF NOT EXISTS registry_canaries (
        agent_name text PRIMARY KEY,
        version text NOT NULL,
        weight integer NOT NULL CHECK (weight BETWEEN 0 AND 100),
        updated_at bigint NOT NULL
      );
    `,
  },
];

/** Arbitrary but fixed: the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 7_245_118_301;

/** Applies pending migrations in one transaction under an advisory lock, so racing replicas never collide. */
export async function runRegistryMigrations(pool: pg.Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS registry_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = await client.query<{ id: string }>('SELECT id FROM registry_migrations');
    const applied = new Set(done.rows.map((row) => row.id));
    const ran: string[] = [];
    for (const migration of REGISTRY_MIGRATIONS) {
      if (applied.has(migration.id)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO registry_migrations (id) VALUES ($1)', [migration.id]);
      ran.push(migration.id);
    }
    await client.query('COMMIT');
    return ran;
  } catch (error: unknown) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
