import type pg from 'pg';

/** Runs `work` in a transaction on one pooled client; rolls back on any error and rethrows it. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error: unknown) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The SQLSTATE of a server error (`pg`'s `code`), undefined for anything else. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATEs of a transaction the server rolled back to break a cycle of waits: deadlock, serialization failure. */
const ROLLED_BACK_BY_SERVER = new Set(['40P01', '40001']);

/** How many times in all `retryIfRolledBack` runs its work. */
export const ROLLED_BACK_ATTEMPTS = 3;
/** The pause before run n + 1 is 1 ms plus up to n times this, at random. */
const PAUSE_SPREAD_MS = 20;

/**
 * Runs `work`, one whole transaction that is safe to run again (idempotent, as the reservation functions are
 * per order), and runs it again when the server rolled it back for a deadlock or a serialization failure:
 * nothing of that run was kept, and the transaction it met has gone on. Up to ROLLED_BACK_ATTEMPTS runs, a few
 * random milliseconds apart so two losers do not meet again in step; any other error, or the last one, is
 * thrown as it came.
 */
export async function retryIfRolledBack<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error: unknown) {
      const code = sqlState(error);
      if (attempt >= ROLLED_BACK_ATTEMPTS || code === undefined || !ROLLED_BACK_BY_SERVER.has(code))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * PAUSE_SPREAD_MS * attempt));
    }
  }
}
