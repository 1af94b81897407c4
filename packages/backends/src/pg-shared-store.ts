import type { Logger } from '@mesh/common';
import type pg from 'pg';
import { CounterBatcher } from './counter-batcher.js';
import { prepared } from './prepared-statement.js';
import { runMigrations, type Migration } from './migrations.js';
import type { SharedStore } from './shared-store.js';
import { hitIncrement, windowIndex } from './shared-store.js';

const MIGRATIONS: readonly Migration[] = [
  {
    id: '001-counters-and-flags',
    sql: `CREATE TABLE IF NOT EXISTS mesh_shared_counters (
            key text PRIMARY KEY, count bigint NOT NULL, expires_at timestamptz NOT NULL);
          CREATE INDEX IF NOT EXISTS mesh_shared_counters_expires ON mesh_shared_counters (expires_at);
          CREATE TABLE IF NOT EXISTS mesh_shared_flags (
            key text PRIMARY KEY, expires_at timestamptz NOT NULL);
          CREATE INDEX IF NOT EXISTS mesh_shared_flags_expires ON mesh_shared_flags (expires_at);`,
  },
];

export interface PgSharedStoreOptions {
  pool: pg.Pool;
  prefix: string;
  logger: Logger;
  now?: () => number;
  /** Expired rows are deleted at most this often (per process). */
  sweepEveryMs?: number;
}

/** Counters and flags in PostgreSQL tables, for replicas sharing one database without Redis. */
export class PgSharedStore implements SharedStore {
  readonly #pool: pg.Pool;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #sweepEveryMs: number;
  #ready: Promise<void> | undefined;
  #lastSweep = 0;
  readonly #counters = new CounterBatcher((keys, by, expiresAt) => this.#increment(keys, by, expiresAt));

  constructor(options: PgSharedStoreOptions) {
    this.#pool = options.pool;
    this.#prefix = options.prefix;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#sweepEveryMs = options.sweepEveryMs ?? 60_000;
  }

  async hit(key: string, windowMs: number, by = 1): Promise<number> {
    const increment = hitIncrement(by);
    await this.#ensureReady();
    const now = this.#now();
    const window = windowIndex(now, windowMs);
    const expiresAt = new Date((window + 1) * windowMs);
    const count = await this.#counters.increment(
      `${this.#prefix}${key}:${windowMs}:${window}`,
      expiresAt,
      increment,
    );
    this.#maybeSweep(now);
    return count;
  }

  /** One statement for a whole batch of increments (see CounterBatcher). */
  async #increment(keys: string[], by: number[], expiresAt: Date[]): Promise<Map<string, number>> {
    const result = await this.#pool.query<{ key: string; count: string }>(
      prepared(
        `INSERT INTO mesh_shared_counters AS c (key, count, expires_at)
         SELECT k, n, e FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS u(k, n, e)
         ON CONFLICT (key) DO UPDATE SET count = c.count + EXCLUDED.count
         RETURNING key, count`,
        [keys, by, expiresAt],
      ),
    );
    return new Map(result.rows.map((row) => [row.key, Number(row.count)]));
  }

  async resetCount(key: string, windowMs: number): Promise<void> {
    await this.#ensureReady();
    const window = windowIndex(this.#now(), windowMs);
    await this.#pool.query(
      prepared('DELETE FROM mesh_shared_counters WHERE key = $1', [
        `${this.#prefix}${key}:${windowMs}:${window}`,
      ]),
    );
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    await this.#ensureReady();
    await this.#pool.query(
      prepared(
        `INSERT INTO mesh_shared_flags (key, expires_at) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        [this.#prefix + key, new Date(this.#now() + ttlMs)],
      ),
    );
  }

  async hasFlag(key: string): Promise<boolean> {
    await this.#ensureReady();
    const result = await this.#pool.query(
      prepared('SELECT 1 FROM mesh_shared_flags WHERE key = $1 AND expires_at > $2', [
        this.#prefix + key,
        new Date(this.#now()),
      ]),
    );
    return (result.rowCount ?? 0) > 0;
  }

  async flagTtlMs(key: string): Promise<number> {
    await this.#ensureReady();
    const result = await this.#pool.query<{ expires_at: Date }>(
      prepared('SELECT expires_at FROM mesh_shared_flags WHERE key = $1', [this.#prefix + key]),
    );
    const expiresAt = result.rows[0]?.expires_at;
    return expiresAt === undefined ? 0 : Math.max(0, expiresAt.getTime() - this.#now());
  }

  /** The pool belongs to the caller; nothing to close. */
  async close(): Promise<void> {}

  #ensureReady(): Promise<void> {
    this.#ready ??= runMigrations(this.#pool, MIGRATIONS, { name: 'mesh-shared-store', logger: this.#logger })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
    return this.#ready;
  }

  #maybeSweep(now: number): void {
    if (now - this.#lastSweep < this.#sweepEveryMs) return;
    this.#lastSweep = now;
    const cutoff = new Date(now);
    void Promise.all([
      this.#pool.query('DELETE FROM mesh_shared_counters WHERE expires_at < $1', [cutoff]),
      this.#pool.query('DELETE FROM mesh_shared_flags WHERE expires_at < $1', [cutoff]),
    ]).catch((error: unknown) => this.#logger.debug({ err: String(error) }, 'shared store sweep failed'));
  }
}
