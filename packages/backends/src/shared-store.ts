import { MeshError, silentLogger, type Logger } from '@mesh/common';
import type pg from 'pg';
import { MemorySharedStore } from './memory-shared-store.js';
import { PgSharedStore } from './pg-shared-store.js';
import { RedisSharedStore } from './redis-shared-store.js';

/**
 * State replicas must share (rate-limit counters, short-lived flags such as revoked tokens).
 * Backed by Redis, else a PostgreSQL table, so every replica sees the same values.
 */
export interface SharedStore {
  /**
   * Counts a hit (or `by` hits at once, a positive integer) in the current fixed window of `windowMs` and
   * returns the window's count after it. Concurrent callers each own the range (count - by, count].
   */
  hit(key: string, windowMs: number, by?: number): Promise<number>;
  /** Starts the current window's count of `key` over (e.g. failed logins after a successful one). */
  resetCount(key: string, windowMs: number): Promise<void>;
  /** Sets a flag that disappears after `ttlMs`. */
  setFlag(key: string, ttlMs: number): Promise<void>;
  hasFlag(key: string): Promise<boolean>;
  /** How long a flag still lasts in ms (0 when absent), so a refusal can say when to come back. */
  flagTtlMs(key: string): Promise<number>;
  close(): Promise<void>;
}

export interface CreateSharedStoreOptions {
  redisUrl?: string | undefined;
  /** Used when there is no Redis; the store creates its tables with runMigrations. Not closed by the store. */
  pool?: pg.Pool | undefined;
  prefix: string;
  logger?: Logger;
}

/**
 * Redis when `redisUrl` is set, else PostgreSQL when `pool` is given, else process memory (one replica only:
 * a warning says so).
 */
export function createSharedStore(options: CreateSharedStoreOptions): SharedStore {
  const logger = options.logger ?? silentLogger();
  if (options.redisUrl !== undefined && options.redisUrl !== '') {
    return new RedisSharedStore({ url: options.redisUrl, prefix: options.prefix, logger });
  }
  if (options.pool !== undefined) {
    return new PgSharedStore({ pool: options.pool, prefix: options.prefix, logger });
  }
  logger.warn('shared store in process memory: replicas will not share counters or flags');
  return new MemorySharedStore({ prefix: options.prefix });
}

/** `by` as an increment, or INVALID_ARGUMENT: a counter only grows, in whole hits. */
export function hitIncrement(by: number): number {
  if (Number.isSafeInteger(by) && by >= 1) return by;
  throw new MeshError('INVALID_ARGUMENT', `a counter increment must be a positive integer, not ${by}`);
}

/** The index of the fixed window containing `nowMs`. */
export function windowIndex(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / Math.max(1, windowMs));
}
