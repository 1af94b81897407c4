import type pg from 'pg';

/** The statements a pool was sent, in order; `clear()` starts counting again. */
export interface PoolStatements {
  readonly texts: readonly string[];
  clear(): void;
}

/**
 * Records the text of every statement sent through `pool.query` from now on, for tests that count what a store
 * costs the database. Statements on clients checked out of the pool are not seen: use it for stores that only
 * call `pool.query`.
 */
export function recordPoolStatements(pool: pg.Pool): PoolStatements {
  const texts: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const config = args[0];
    texts.push(typeof config === 'string' ? config : (config as { text: string }).text);
    return query(...args);
  }) as typeof pool.query;
  return {
    texts,
    clear: () => {
      texts.length = 0;
    },
  };
}
