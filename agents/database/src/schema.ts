import type { Migration } from '@mesh/backends';

/** business_db schema. Applied by runMigrations under an advisory lock at every start; never edit an applied step. */
export const BUSINESS_DB_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-users',
    sql: `CREATE TABLE users (
            id text PRIMARY KEY,
            username text NOT NULL UNIQUE,
            email text NOT NULL UNIQUE,
            name text NOT NULL,
            phone text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    id: '002-stock-and-reservations',
    sql: `CREATE TABLE stock (
            sku text PRIMARY KEY,
            name text NOT NULL,
            price numeric(12, 2) NOT NULL CHECK (price >= 0),
            available bigint NOT NULL CHECK (available >= 0),
            reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
            sold bigint NOT NULL DEFAULT 0 CHECK (sold >= 0),
            updated_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE reservations (
            id text PRIMARY KEY,
            order_id text NOT NULL UNIQUE,
            status text NOT NULL CHECK (status IN ('reserved', 'committed', 'released', 'expired')),
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now());
          CREATE INDEX reservations_pending_expiry ON reservations (expires_at) WHERE status = 'reserved';
          CREATE TABLE reservation_items (
            reservation_id text NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
            sku text NOT NULL REFERENCES stock (sku),
            quantity integer NOT NULL CHECK (quantity > 0),
            PRIMARY KEY (reservation_id, sku))`,
  },
];
