import type { Logger } from '@mesh/common';
import {
  createTestDatabase,
  dropDatabase,
  freePort,
  realServerUrl,
  startTcpForwarder,
  type TestDatabase,
} from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations, type Migration } from './migrations.js';
import { ensureDatabase, createPgPool } from './postgres-pool.js';
import { toPgConfig } from './postgres-config.js';

const postgresUrl = realServerUrl('postgres');

const MIGRATIONS: Migration[] = [
  { id: '001-items', sql: 'CREATE TABLE items (id int PRIMARY KEY)' },
  // Not idempotent on purpose: a second run of it would fail with a duplicate key.
  { id: '002-seed', sql: 'INSERT INTO items (id) VALUES (1), (2)' },
];

describe.skipIf(!postgresUrl)('runMigrations (real PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase(postgresUrl!);
    pool = new pg.Pool({ connectionString: database.url, max: 6 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('applies each migration once when several runs race', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => runMigrations(pool, MIGRATIONS, { name: 'race' })));
    expect(runs.flat().sort()).toEqual(['001-items', '002-seed']);
    const count = await pool.query<{ n: string }>('SELECT count(*) AS n FROM items');
    expect(count.rows[0]?.n).toBe('2');
  });

  it('applies nothing the second time and only new migrations later', async () => {
    expect(await runMigrations(pool, MIGRATIONS, { name: 'race' })).toEqual([]);
    const more = [...MIGRATIONS, { id: '003-more', sql: 'INSERT INTO items (id) VALUES (3)' }];
    expect(await runMigrations(pool, more, { name: 'race' })).toEqual(['003-more']);
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const broken = [{ id: '001-broken', sql: 'CREATE TABLE half (id int); SELECT no_such_function()' }];
    await expect(runMigrations(pool, broken, { name: 'broken' })).rejects.toThrow(/no_such_function/);
    const table = await pool.query("SELECT to_regclass('half') AS t");
    expect(table.rows[0]?.t).toBeNull();
    expect(await runMigrations(pool, [], { name: 'broken' })).toEqual([]);
  });

  it('rejects duplicate migration ids', async () => {
    await expect(runMigrations(pool, [MIGRATIONS[0]!, MIGRATIONS[0]!], { name: 'dup' })).rejects.toThrow(
      /duplicate/,
    );
  });
});

describe.skipIf(!postgresUrl)('ensureDatabase (real PostgreSQL)', () => {
  it('creates a missing database once even when called concurrently', async () => {
    const name = `ensure_${Date.now().toString(36)}`;
    const config = toPgConfig(
      { DATABASE_URL: postgresUrl, DB_NAME: name, DB_PORT: 5432, DB_POOL_MAX: 2 },
      { defaultDatabase: 'unused' },
    )!;
    const created = await Promise.all([
      ensureDatabase(config),
      ensureDatabase(config),
      ensureDatabase(config),
    ]);
    expect(created.filter(Boolean)).toHaveLength(1);
    const pool = createPgPool(config);
    try {
      const result = await pool.query<{ db: string }>('SELECT current_database() AS db');
      expect(result.rows[0]?.db).toBe(name);
    } finally {
      await pool.end();
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await dropDatabase(admin, name);
      await admin.end();
    }
  });
});

describe.skipIf(!postgresUrl)('ensureDatabase with an existing database', () => {
  it('returns false without touching the maintenance database', async () => {
    const database = await createTestDatabase(postgresUrl!);
    try {
      const config = toPgConfig(
        { DATABASE_URL: database.url, DB_PORT: 5432, DB_POOL_MAX: 1 },
        { defaultDatabase: 'unused' },
      )!;
      expect(await ensureDatabase(config, { maintenanceDatabase: 'no_such_maintenance_db' })).toBe(false);
    } finally {
      await database.drop();
    }
  });
});

describe.skipIf(!postgresUrl)('ensureDatabase while the server is not up yet', () => {
  it('waits for it within DB_STARTUP_TIMEOUT, logging each retry, instead of failing on the first refusal', async () => {
    const database = await createTestDatabase(postgresUrl!);
    const server = new URL(database.url);
    const port = await freePort();
    const warnings: string[] = [];
    const logger = {
      warn: (fields: { err: string }, message: string) => warnings.push(`${message}: ${fields.err}`),
      info: () => undefined,
    } as unknown as Logger;
    const config = toPgConfig(
      { DATABASE_URL: database.url, DB_PORT: 5432, DB_POOL_MAX: 1, DB_STARTUP_TIMEOUT: 20_000 },
      { defaultDatabase: 'unused' },
    )!;
    const early = { ...config, port };
    let forwarder: Awaited<ReturnType<typeof startTcpForwarder>> | undefined;
    try {
      const ensured = ensureDatabase(early, { logger });
      const opened = (async () => {
        while (warnings.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
        forwarder = await startTcpForwarder(port, { host: server.hostname, port: Number(server.port) });
      })();
      expect(await ensured).toBe(false);
      await opened;
      expect(warnings[0]).toMatch(/^PostgreSQL not reachable yet; retrying: connect ECONNREFUSED/);
    } finally {
      await forwarder?.close();
      await database.drop();
    }
  });

  it('tries once without a startup timeout', async () => {
    const port = await freePort();
    const config = toPgConfig(
      { DATABASE_URL: `postgres://mesh:mesh@127.0.0.1:${port}/x`, DB_PORT: 5432, DB_POOL_MAX: 1 },
      { defaultDatabase: 'unused' },
    )!;
    await expect(ensureDatabase(config)).rejects.toThrow(/PostgreSQL not reachable within 0 s \(1 attempt\)/);
  });
});
