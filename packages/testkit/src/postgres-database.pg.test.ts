import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, dropDatabase } from './postgres-database.js';
import { realServerUrl } from './real-servers.js';

const postgresUrl = realServerUrl('postgres');

describe.skipIf(!postgresUrl)('createTestDatabase', () => {
  it('drops a database right after pool.end() without erroring the connections still closing', async () => {
    // An admin connection opened beforehand drops at once: without the wait, about every other round
    // terminated a connection that pool.end() had only begun to close.
    const admin = new pg.Client({ connectionString: postgresUrl! });
    await admin.connect();
    const errors: Error[] = [];
    try {
      for (let round = 0; round < 10; round += 1) {
        const database = await createTestDatabase(postgresUrl!, 'testkit');
        const pool = new pg.Pool({ connectionString: database.url, max: 4 });
        pool.on('error', (error) => errors.push(error));
        await Promise.all([1, 2, 3, 4].map(() => pool.query('SELECT 1')));
        await pool.end();
        await dropDatabase(admin, database.name);
      }
      // A terminated connection reports its error a moment after the drop returns.
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await admin.end();
    }
    expect(errors.map((error) => error.message)).toEqual([]);
  });

  it('drops a database whose connections stay open, terminating them after the wait', async () => {
    const database = await createTestDatabase(postgresUrl!, 'testkit');
    const client = new pg.Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    const admin = new pg.Client({ connectionString: postgresUrl! });
    await admin.connect();
    try {
      await dropDatabase(admin, database.name, 200);
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
      expect(found.rowCount).toBe(0);
    } finally {
      await admin.end();
      await client.end().catch(() => undefined);
    }
  });
});
