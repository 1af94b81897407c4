// Counts the PostgreSQL sessions a server has started, from pg_stat_database (PostgreSQL 14+). Used by
// bench-orders to show connections the agents' pools opened during a phase: each costs the server a fork, a
// SCRAM exchange and cold caches (its statements prepared again), and the agent the client's side of SCRAM.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Sessions started on the server so far, the one asking included. */
export async function pgSessionsSoFar(databaseUrl) {
  const pg = createRequire(join(root, 'agents/order/package.json'))('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT sum(sessions)::bigint AS n FROM pg_stat_database');
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** The DATABASE_URL the system's agents were given, if any (a local start gives every agent the same). */
export function databaseUrlOf(state) {
  return state.processes.find((p) => p.env?.['DATABASE_URL'])?.env['DATABASE_URL'];
}
