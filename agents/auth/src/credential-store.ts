import type pg from 'pg';
import { MeshError } from '@mesh/common';

/** One login identity. `userId` is the business id (business_db's users.id); `username` is unique ignoring case. */
export interface Credential {
  readonly userId: string;
  readonly username: string;
  readonly passwordHash: string;
  readonly scopes: readonly string[];
}

export type InsertResult = { created: true } | { created: false; existing: Credential };

/** Where credentials live: PostgreSQL in every deployment, memory only in unit tests. */
export interface CredentialStore {
  findByUsername(username: string): Promise<Credential | undefined>;
  /** Inserts unless the user id or username is taken; then returns the row that holds it. */
  insert(credential: Credential): Promise<InsertResult>;
  /** Which of `usernames` already exist (lower-cased), for seeding only what is missing. */
  existingUsernames(usernames: readonly string[]): Promise<Set<string>>;
}

interface CredentialRow {
  user_id: string;
  username: string;
  password_hash: string;
  scopes: string[];
}

function fromRow(row: CredentialRow): Credential {
  return { userId: row.user_id, username: row.username, passwordHash: row.password_hash, scopes: row.scopes };
}

async function storage<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error: unknown) {
    throw new MeshError('STORAGE_ERROR', `credential store: ${what} failed`, { cause: error });
  }
}

/** Credentials in auth_db's `credentials` table (see migrations.ts); every replica shares it. */
export class PgCredentialStore implements CredentialStore {
  constructor(private readonly pool: pg.Pool) {}

  findByUsername(username: string): Promise<Credential | undefined> {
    return storage('lookup', async () => {
      const result = await this.pool.query<CredentialRow>(
        'SELECT user_id, username, password_hash, scopes FROM credentials WHERE lower(username) = lower($1)',
        [username],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : fromRow(row);
    });
  }

  insert(credential: Credential): Promise<InsertResult> {
    return storage('insert', async () => {
      const inserted = await this.pool.query(
        `INSERT INTO credentials (user_id, username, password_hash, scopes) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING user_id`,
        [credential.userId, credential.username, credential.passwordHash, credential.scopes],
      );
      if (inserted.rowCount === 1) return { created: true };
      const holder = await this.pool.query<CredentialRow>(
        `SELECT user_id, username, password_hash, scopes FROM credentials
         WHERE user_id = $1 OR lower(username) = lower($2) ORDER BY (user_id = $1) DESC LIMIT 1`,
        [credential.userId, credential.username],
      );
      const row = holder.rows[0];
      // The holder can vanish between the two statements only if someone deleted it; report it as a conflict.
      if (row === undefined) throw new MeshError('CONFLICT', 'credential changed concurrently; retry');
      return { created: false, existing: fromRow(row) };
    });
  }

  existingUsernames(usernames: readonly string[]): Promise<Set<string>> {
    return storage('lookup', async () => {
      const result = await this.pool.query<{ name: string }>(
        'SELECT lower(username) AS name FROM credentials WHERE lower(username) = ANY($1::text[])',
        [usernames.map((name) => name.toLowerCase())],
      );
      return new Set(result.rows.map((row) => row.name));
    });
  }
}

/** In-memory store for unit tests: same semantics as the PostgreSQL one, one process only. */
export class MemoryCredentialStore implements CredentialStore {
  private readonly byUsername = new Map<string, Credential>();

  async findByUsername(username: string): Promise<Credential | undefined> {
    return this.byUsername.get(username.toLowerCase());
  }

  async insert(credential: Credential): Promise<InsertResult> {
    const existing =
      [...this.byUsername.values()].find((held) => held.userId === credential.userId) ??
      this.byUsername.get(credential.username.toLowerCase());
    if (existing !== undefined) return { created: false, existing };
    this.byUsername.set(credential.username.toLowerCase(), { ...credential, scopes: [...credential.scopes] });
    return { created: true };
  }

  async existingUsernames(usernames: readonly string[]): Promise<Set<string>> {
    return new Set(usernames.map((name) => name.toLowerCase()).filter((name) => this.byUsername.has(name)));
  }
}
