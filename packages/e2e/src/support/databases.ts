import pg from 'pg';
import { dropDatabase } from '@mesh/testkit';

/**
 * Drops every database whose name starts with `prefix` (the ones a system started with
 * MESH_DATABASE_PREFIX created), once their sessions have closed (disconnecting any left after 5 s). For test
 * cleanup on a test server.
 */
export async function dropDatabasesWithPrefix(adminUrl: string, prefix: string): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]+$/.test(prefix)) throw new Error(`refusing to drop databases by prefix ${prefix}`);
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname ~ '^[a-z0-9_]+$'",
      [prefix],
    );
    const names = found.rows.map((row) => row.datname);
    for (const name of names) await dropDatabase(client, name);
    return names;
  } finally {
    await client.end();
  }
}
