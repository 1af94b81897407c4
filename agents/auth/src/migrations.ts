/**
 * auth_db schema, applied in order under the backends' advisory lock so replicas starting together never race.
 * Append new entries; never edit one that has shipped.
 */
export const authMigrations: ReadonlyArray<{ id: string; sql: string }> = [
  {
    id: '001_credentials',
    sql: `
      CREATE TABLE IF NOT EXISTS credentials (
        user_id       text PRIMARY KEY,
        username      text NOT NULL,
        password_hash text NOT NULL,
        scopes        text[] NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX IF NOT EXISTS credentials_username_lower_key ON credentials (lower(username));
    `,
  },
  {
    id: '002_auth_settings',
    sql: `
      CREATE TABLE IF NOT EXISTS auth_settings (
        name       text PRIMARY KEY,
        value      text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    // Access tokens are signed with Ed25519 keys (rotated, shared by replicas) instead of one HS256 secret;
    // revocations get a sequenced log that verifiers poll with a cursor. The old shared secret signs nothing now.
    id: '003_token_signing_keys',
    sql: `
      CREATE TABLE IF NOT EXISTS token_signing_keys (
        kid          text PRIMARY KEY,
        public_jwk   jsonb NOT NULL,
        private_key  text,
        period_start timestamptz UNIQUE,
        not_before   timestamptz NOT NULL,
        sign_until   timestamptz NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS revoked_tokens (
        seq        bigserial PRIMARY KEY,
        jti        text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS revoked_tokens_expires_at ON revoked_tokens (expires_at);
      DELETE FROM auth_settings WHERE name = 'jwt_hs256_secret';
    `,
  },
];
