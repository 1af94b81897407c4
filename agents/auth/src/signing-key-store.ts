import type pg from 'pg';
import type { PublicJwk } from './signing-key.js';

/** A signing key as auth_db holds it (private_key: PKCS#8 PEM of a generated key; null for a configured one). */
export interface StoredKey {
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly privateKeyPem: string | null;
  readonly notBefore: Date;
  readonly signUntil: Date;
}

/** Where the replicas' shared signing keys live. */
export interface SigningKeyStore {
  /** Records a generated key for the period starting at `key.notBefore`, unless that period has one already. */
  insertPeriodKey(key: StoredKey & { privateKeyPem: string }): Promise<void>;
  /** Records a configured key's public half, or moves its `signUntil` later (never earlier). */
  extendLease(key: Omit<StoredKey, 'privateKeyPem'>): Promise<void>;
  /** Keys that signed until after `since`, oldest first. */
  load(since: Date): Promise<StoredKey[]>;
}

interface KeyRow {
  kid: string;
  public_jwk: PublicJwk;
  private_key: string | null;
  not_before: Date;
  sign_until: Date;
}

/** The keys in auth_db (`token_signing_keys`); the period's uniqueness lets concurrent first starts agree. */
export class PgSigningKeyStore implements SigningKeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async insertPeriodKey(key: StoredKey & { privateKeyPem: string }): Promise<void> {
    await this.pool.query(
      `INSERT INTO token_signing_keys (kid, public_jwk, private_key, period_start, not_before, sign_until)
       VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT DO NOTHING`,
      [key.kid, JSON.stringify(key.publicJwk), key.privateKeyPem, key.notBefore, key.signUntil],
    );
  }

  async extendLease(key: Omit<StoredKey, 'privateKeyPem'>): Promise<void> {
    await this.pool.query(
      `INSERT INTO token_signing_keys (kid, public_jwk, private_key, period_start, not_before, sign_until)
       VALUES ($1, $2, NULL, NULL, $3, $4)
       ON CONFLICT (kid) DO UPDATE SET sign_until = GREATEST(token_signing_keys.sign_until, EXCLUDED.sign_until)`,
      [key.kid, JSON.stringify(key.publicJwk), key.notBefore, key.signUntil],
    );
  }

  async load(since: Date): Promise<StoredKey[]> {
    const result = await this.pool.query<KeyRow>(
      `SELECT kid, public_jwk, private_key, not_before, sign_until FROM token_signing_keys
       WHERE sign_until > $1 ORDER BY not_before`,
      [since],
    );
    return result.rows.map((row) => ({
      kid: row.kid,
      publicJwk: row.public_jwk,
      privateKeyPem: row.private_key,
      notBefore: row.not_before,
      signUntil: row.sign_until,
    }));
  }
}

/** The same in memory, for unit tests (one process only: replicas need auth_db). */
export class MemorySigningKeyStore implements SigningKeyStore {
  readonly keys = new Map<string, StoredKey>();

  async insertPeriodKey(key: StoredKey & { privateKeyPem: string }): Promise<void> {
    const taken = [...this.keys.values()].some(
      (known) => known.privateKeyPem !== null && known.notBefore.getTime() === key.notBefore.getTime(),
    );
    if (!taken && !this.keys.has(key.kid)) this.keys.set(key.kid, key);
  }

  async extendLease(key: Omit<StoredKey, 'privateKeyPem'>): Promise<void> {
    const known = this.keys.get(key.kid);
    const signUntil = known && known.signUntil > key.signUntil ? known.signUntil : key.signUntil;
    this.keys.set(key.kid, { ...key, ...known, privateKeyPem: null, signUntil });
  }

  async load(since: Date): Promise<StoredKey[]> {
    return [...this.keys.values()]
      .filter((key) => key.signUntil > since)
      .sort((a, b) => a.notBefore.getTime() - b.notBefore.getTime());
  }
}
