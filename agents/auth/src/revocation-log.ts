import type pg from 'pg';

/** One revoked token as verifiers see it. */
export interface RevocationEntry {
  readonly jti: string;
  readonly expiresAt: Date;
}

/** A page of the log after a cursor. */
export interface RevocationPage {
  readonly revocations: readonly RevocationEntry[];
  /** Pass it back to get only what came after this page. */
  readonly cursor: string;
  readonly more: boolean;
}

/**
 * Revocations in the order they happened, so a verifier polling with a cursor gets only what is new (the
 * SharedStore flags answer "is this one revoked?" for auth_verify_token; this answers "what changed?").
 */
export interface RevocationLog {
  /** Idempotent: revoking a token twice records it once. */
  record(entry: RevocationEntry): Promise<void>;
  /** Unexpired revocations after `cursor` (none: from the start), oldest first, at most `limit`. */
  since(cursor: string | undefined, limit: number): Promise<RevocationPage>;
}

/** Any constant both sides agree on: revocations are recorded one at a time under this advisory lock. */
const RECORD_LOCK = 0x61757468_7276; // "auth" "rv"

/** How long past its token's expiry a revocation is kept before a later record sweeps it. */
const KEEP_EXPIRED_MS = 3_600_000;

/** The log in auth_db (`revoked_tokens`), shared by replicas. */
export class PgRevocationLog implements RevocationLog {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number = Date.now,
  ) {}

  async record(entry: RevocationEntry): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Sequence numbers are taken under one lock and committed before the next is taken, so no poller can see
      // seq n+1 while n is still uncommitted and skip n forever.
      await client.query('SELECT pg_advisory_xact_lock($1)', [RECORD_LOCK]);
      await client.query(
        'INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING',
        [entry.jti, entry.expiresAt],
      );
      await client.query('DELETE FROM revoked_tokens WHERE expires_at < $1', [
        new Date(this.now() - KEEP_EXPIRED_MS),
      ]);
      await client.query('COMMIT');
    } catch (error: unknown) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async since(cursor: string | undefined, limit: number): Promise<RevocationPage> {
    const after = cursor ?? '0';
    const result = await this.pool.query<{ seq: string; jti: string; expires_at: Date }>(
      `SELECT seq::text AS seq, jti, expires_at FROM revoked_tokens
       WHERE seq > $1 AND expires_at > $2 ORDER BY seq LIMIT $3`,
      [after, new Date(this.now()), limit + 1],
    );
    const rows = result.rows.slice(0, limit);
    return {
      revocations: rows.map((row) => ({ jti: row.jti, expiresAt: row.expires_at })),
      cursor: rows.at(-1)?.seq ?? after,
      more: result.rows.length > limit,
    };
  }
}

/** The log in memory, for unit tests and single-process tools. */
export class MemoryRevocationLog implements RevocationLog {
  private readonly entries: { seq: number; entry: RevocationEntry }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async record(entry: RevocationEntry): Promise<void> {
    if (this.entries.some((known) => known.entry.jti === entry.jti)) return;
    this.entries.push({ seq: this.entries.length + 1, entry });
  }

  async since(cursor: string | undefined, limit: number): Promise<RevocationPage> {
    const after = Number(cursor ?? '0');
    const fresh = this.entries.filter((e) => e.seq > after && e.entry.expiresAt.getTime() > this.now());
    const page = fresh.slice(0, limit);
    return {
      revocations: page.map((e) => e.entry),
      cursor: String(page.at(-1)?.seq ?? after),
      more: fresh.length > limit,
    };
  }
}
