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
];
