import { createPgPool, runMigrations, toPgConfig } from '@mesh/backends';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_MIGRATIONS, PgDeliveryLedger } from './pg-delivery-ledger.js';

const adminUrl = realServerUrl('postgres');

describe.skipIf(!adminUrl)('PgDeliveryLedger on a real PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let ledger: PgDeliveryLedger;
  let statements = 0;
  /** Holds each statement's result back this long, so calls surely arrive while one is in flight. */
  let holdMs = 0;

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl!, 'ledger');
    pool = createPgPool(
      toPgConfig({ DATABASE_URL: db.url, DB_PORT: 5432, DB_POOL_MAX: 5 }, { defaultDatabase: 'x' })!,
    );
    await runMigrations(pool, NOTIFICATION_MIGRATIONS, { name: 'notification-agent' });
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args) => {
      statements += 1;
      const result = await query(...args);
      if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
      return result;
    };
    ledger = new PgDeliveryLedger(pool, { retentionMs: 60_000, markLingerMs: 0 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('claims, reports sent and busy keys, and takes over an expired lease', async () => {
    expect(await ledger.claim('k-1', 'a', 60_000)).toBe('claimed');
    expect(await ledger.claim('k-1', 'b', 60_000)).toBe('busy');
    await ledger.markSent('k-1', 'a');
    expect(await ledger.claim('k-1', 'b', 60_000)).toBe('sent');
    expect(await ledger.claim('k-2', 'dead', 1)).toBe('claimed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await ledger.claim('k-2', 'b', 60_000)).toBe('claimed');
    // Only the holder's mark counts.
    await ledger.markSent('k-2', 'dead');
    expect(await ledger.claim('k-2', 'c', 60_000)).toBe('busy');
    await ledger.release('k-2', 'b');
    expect(await ledger.claim('k-2', 'c', 60_000)).toBe('claimed');
  });

  it('claims and marks a batch of keys in one statement each, the second claim of a key busy', async () => {
    await ledger.claim('b-sent', 'x', 60_000);
    await ledger.markSent('b-sent', 'x');
    const before = statements;
    const keys = Array.from({ length: 50 }, (_, i) => `b-${i}`);
    const results = await Promise.all([
      ...keys.map((key) => ledger.claim(key, 'a', 60_000)),
      ledger.claim('b-0', 'b', 60_000),
      ledger.claim('b-sent', 'b', 60_000),
    ]);
    expect(results.slice(0, 50).every((r) => r === 'claimed')).toBe(true);
    expect(results.slice(50)).toEqual(['busy', 'sent']);
    expect(statements - before).toBe(2);
    const marked = statements;
    await Promise.all(keys.map((key) => ledger.markSent(key, 'a')));
    expect(statements - marked).toBe(1);
    expect(await ledger.claim('b-49', 'c', 60_000)).toBe('sent');
  });

  it('sends the marks and claims that arrive while one statement is in flight together in the next', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `w-${i}`);
    await Promise.all(keys.map((key) => ledger.claim(key, 'a', 60_000)));
    const before = statements;
    holdMs = 30;
    // As SMTP replies come back: one mark per turn of the event loop, the first still in flight for the rest.
    const marks: Promise<void>[] = [];
    for (const key of keys) {
      marks.push(ledger.markSent(key, 'a'));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(marks);
    expect(statements - before).toBe(2);
    const claims: Promise<string>[] = [];
    for (const key of keys) {
      claims.push(ledger.claim(key, 'b', 60_000));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(claims)).toEqual(keys.map(() => 'sent'));
    // The first claim alone, the other five together (each batch of 'sent' keys is an insert and a select).
    expect(statements - before).toBe(2 + 4);
    holdMs = 0;
  });

  it('marks the emails of one batch, whose SMTP replies come back milliseconds apart, in one statement', async () => {
    const lingering = new PgDeliveryLedger(pool, { retentionMs: 60_000, markLingerMs: 40 });
    const keys = Array.from({ length: 5 }, (_, i) => `l-${i}`);
    await Promise.all(keys.map((key) => lingering.claim(key, 'a', 60_000)));
    const before = statements;
    const marks: Promise<void>[] = [];
    for (const key of keys) {
      marks.push(lingering.markSent(key, 'a'));
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    await Promise.all(marks);
    expect(statements - before).toBe(1);
    expect(await Promise.all(keys.map((key) => lingering.claim(key, 'b', 60_000)))).toEqual(
      keys.map(() => 'sent'),
    );
  });
});
