import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runMigrations } from '@mesh/backends';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import { PgCredentialStore } from './credential-store.js';
import { authMigrations } from './migrations.js';

const postgresUrl = realServerUrl('postgres');

describe.skipIf(!postgresUrl)('PgCredentialStore on real PostgreSQL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let store: PgCredentialStore;

  beforeAll(async () => {
    database = await createTestDatabase(postgresUrl!, 'auth');
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    await runMigrations(pool, authMigrations, { name: 'auth' });
    store = new PgCredentialStore(pool);
  }, 30_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('stores credentials and finds them by username ignoring case', async () => {
    const result = await store.insert({
      userId: 'u1',
      username: 'Alice',
      passwordHash: 'h1',
      scopes: ['a:b'],
    });
    expect(result).toEqual({ created: true });
    await expect(store.findByUsername('alice')).resolves.toEqual({
      userId: 'u1',
      username: 'Alice',
      passwordHash: 'h1',
      scopes: ['a:b'],
    });
    await expect(store.findByUsername('bob')).resolves.toBeUndefined();
  });

  it('returns the holder instead of inserting when the username or user id is taken', async () => {
    await store.insert({ userId: 'u2', username: 'carol', passwordHash: 'h2', scopes: [] });
    const byName = await store.insert({ userId: 'u3', username: 'CAROL', passwordHash: 'h3', scopes: [] });
    expect(byName).toMatchObject({ created: false, existing: { userId: 'u2' } });
    const byId = await store.insert({ userId: 'u2', username: 'dave', passwordHash: 'h4', scopes: [] });
    expect(byId).toMatchObject({ created: false, existing: { username: 'carol' } });
    await expect(store.findByUsername('dave')).resolves.toBeUndefined();
  });

  it('reports which usernames exist, for seeding only the missing ones', async () => {
    const present = await store.existingUsernames(['ALICE', 'carol', 'zed']);
    expect([...present].sort()).toEqual(['alice', 'carol']);
  });

  it('wraps database failures as STORAGE_ERROR, never a client fault', async () => {
    const broken = new pg.Pool({
      connectionString: database.url.replace(/\/[^/]*$/, '/no_such_db_x'),
      max: 1,
    });
    try {
      await expect(new PgCredentialStore(broken).findByUsername('alice')).rejects.toMatchObject({
        code: 'STORAGE_ERROR',
      });
    } finally {
      await broken.end();
    }
  });
});
