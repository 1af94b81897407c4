// The running system's PostgreSQL as the benches read it: which server its agents use, and counters from its
// statistics views (pg_stat_database), each read through a connection of its own.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** The DATABASE_URL the system's agents were given, if any (a local start gives every agent the same). */
export function databaseUrlOf(state) {
  return state.processes.find((p) => p.env?.['DATABASE_URL'])?.env['DATABASE_URL'];
}

/** A `pg` client (the agents' own copy of the driver) connected to `databaseUrl`; the caller ends it. */
export async function pgConnect(databaseUrl) {
  const pg = createRequire(join(root, 'agents/order/package.json'))('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

/** The number one statement answers (its first row's column `n`), over a connection opened for it. */
export async function pgNumber(databaseUrl, sql) {
  const client = await pgConnect(databaseUrl);
  try {
    const { rows } = await client.query(sql);
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/**
 * Sessions started on the server so far, the one asking included (PostgreSQL 14+). bench-orders shows those the
 * agents' pools opened during a phase: each costs the server a fork, a SCRAM exchange and cold caches (its
 * statements prepared again), and the agent the client's side of SCRAM.
 */
export function pgSessionsSoFar(databaseUrl) {
  return pgNumber(databaseUrl, 'SELECT sum(sessions)::bigint AS n FROM pg_stat_database');
}
