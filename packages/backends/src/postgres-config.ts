import { envDurationMs, envInt, envUrl } from '@mesh/common';
import { z } from 'zod';
import { unsetWhenEmpty } from './env-optional.js';

/**
 * Env vars naming a PostgreSQL server, to spread into an app's config schema
 * (`meshEnvSchema.extend({ ...postgresEnvShape })`). Either DATABASE_URL or DB_HOST (+ DB_PORT, DB_USER,
 * DB_PASSWORD or DB_PASSWORD_FILE, DB_NAME). Resolve `*_FILE` secrets with `resolveSecretFiles` first.
 */
export const postgresEnvShape = {
  DATABASE_URL: unsetWhenEmpty(envUrl(['postgres', 'postgresql'])),
  DB_HOST: unsetWhenEmpty(z.string().min(1)),
  DB_PORT: envInt(5432, 1, 65535),
  DB_NAME: unsetWhenEmpty(z.string().min(1)),
  DB_USER: unsetWhenEmpty(z.string().min(1)),
  DB_PASSWORD: z.string().optional(),
  DB_POOL_MAX: envInt(10, 1, 1000),
  /**
   * How long a pool keeps a connection nobody used. Long, so that a burst's connections are there for the
   * next one: a new connection costs the server a fork, a SCRAM exchange and cold caches, about 10 ms of CPU
   * on both sides together.
   */
  DB_POOL_IDLE_TIMEOUT: envDurationMs('5m'),
  /** How long a starting app waits for the server (still starting, restarting, not yet in DNS). */
  DB_STARTUP_TIMEOUT: envDurationMs('60s'),
};

/** The parsed values of `postgresEnvShape`. */
export interface PostgresEnv {
  DATABASE_URL?: string | undefined;
  DB_HOST?: string | undefined;
  DB_PORT: number;
  DB_NAME?: string | undefined;
  DB_USER?: string | undefined;
  DB_PASSWORD?: string | undefined;
  DB_POOL_MAX: number;
  DB_POOL_IDLE_TIMEOUT?: number | undefined;
  DB_STARTUP_TIMEOUT?: number | undefined;
}

/** Where and how to connect; built by `toPgConfig`, consumed by `createPgPool` and `ensureDatabase`. */
export interface PgConfig {
  /** A host name or address, or (starting with `/`) the directory of the server's Unix socket. */
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string | undefined;
  /** Pool size per process. */
  max: number;
  /** How long the pool keeps an unused connection open (default 5 min). */
  idleTimeoutMs?: number | undefined;
  /** How long `ensureDatabase` waits for the server to accept connections (default: one attempt). */
  startupTimeoutMs?: number | undefined;
}

export interface ToPgConfigOptions {
  /** The database this app owns (e.g. `business_db`), used when neither DB_NAME nor the URL names one. */
  defaultDatabase: string;
}

/**
 * Turns parsed env into a PgConfig, or undefined when no server is configured (neither DATABASE_URL nor
 * DB_HOST), so each app decides whether PostgreSQL is required or optional.
 * Database precedence: DB_NAME, then the URL's path, then `defaultDatabase`. Give a URL without a path
 * (`postgres://u:p@host:5432`) to let each app use its own database on a shared server. A `host` query
 * parameter naming a directory (`postgres://u:p@127.0.0.1:5433?host=/run/mesh/pg`, as libpq reads it) connects
 * through the Unix socket `.s.PGSQL.<port>` in it instead of TCP.
 */
export function toPgConfig(parsed: PostgresEnv, options: ToPgConfigOptions): PgConfig | undefined {
  if (parsed.DATABASE_URL !== undefined) {
    const url = new URL(parsed.DATABASE_URL);
    const pathDatabase = decodeURIComponent(url.pathname.replace(/^\//, ''));
    const socketDir = url.searchParams.get('host');
    return {
      host: socketDir?.startsWith('/') ? socketDir : url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: url.port === '' ? 5432 : Number(url.port),
      database: parsed.DB_NAME ?? (pathDatabase === '' ? options.defaultDatabase : pathDatabase),
      user: url.username === '' ? (parsed.DB_USER ?? 'postgres') : decodeURIComponent(url.username),
      password: url.password === '' ? parsed.DB_PASSWORD : decodeURIComponent(url.password),
      max: parsed.DB_POOL_MAX,
      idleTimeoutMs: parsed.DB_POOL_IDLE_TIMEOUT,
      startupTimeoutMs: parsed.DB_STARTUP_TIMEOUT,
    };
  }
  if (parsed.DB_HOST !== undefined) {
    return {
      host: parsed.DB_HOST,
      port: parsed.DB_PORT,
      database: parsed.DB_NAME ?? options.defaultDatabase,
      user: parsed.DB_USER ?? 'postgres',
      password: parsed.DB_PASSWORD,
      max: parsed.DB_POOL_MAX,
      idleTimeoutMs: parsed.DB_POOL_IDLE_TIMEOUT,
      startupTimeoutMs: parsed.DB_STARTUP_TIMEOUT,
    };
  }
  return undefined;
}

/** A URL for the config, with the password masked unless `withPassword` (for logs, never log secrets). */
export function pgConfigToUrl(config: PgConfig, withPassword = false): string {
  const url = new URL('postgres://localhost');
  if (config.host.startsWith('/')) url.searchParams.set('host', config.host);
  else url.hostname = config.host.includes(':') ? `[${config.host}]` : config.host;
  url.port = String(config.port);
  url.username = config.user;
  if (config.password !== undefined && config.password !== '') {
    url.password = withPassword ? config.password : '***';
  }
  url.pathname = `/${encodeURIComponent(config.database)}`;
  return url.toString();
}
