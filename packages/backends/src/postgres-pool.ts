import { silentLogger, type Logger } from '@mesh/common';
import pg from 'pg';
import type { PgConfig } from './postgres-config.js';
import { retryAtStartup } from './startup-retry.js';

export interface CreatePgPoolOptions {
  logger?: Logger;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Every commit on this pool waits for its WAL flush (`synchronous_commit=on` for the session), whatever the
   * server's default. For pools that write money: the embedded development server does not wait by default,
   * and a crash of its process loses the last commits it had acknowledged.
   */
  synchronousCommit?: boolean;
}

/** See DB_POOL_IDLE_TIMEOUT. */
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/**
 * A pg Pool for the config. Idle-client errors (server restart, network) are logged instead of crashing the
 * process: the pool replaces broken clients on the next checkout.
 */
export function createPgPool(config: PgConfig, options: CreatePgPoolOptions = {}): pg.Pool {
  const logger = options.logger ?? silentLogger();
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    max: config.max,
    idleTimeoutMillis: config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: 5_000,
    application_name: options.applicationName,
    ...(options.synchronousCommit === true ? { options: '-c synchronous_commit=on' } : {}),
  });
  pool.on('error', (error: Error) => {
    logger.warn({ err: error.message, database: config.database }, 'idle PostgreSQL client failed');
  });
  return pool;
}

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';
const INVALID_CATALOG_NAME = '3D000';

export interface EnsureDatabaseOptions {
  logger?: Logger;
  /** The database to connect to for CREATE DATABASE; `postgres` exists on every server. */
  maintenanceDatabase?: string;
}

/**
 * Waits for the server, then creates `config.database` if it does not exist, so an app can start before or
 * against an empty server. Connection failures that waiting may cure (refused, not yet in DNS, "starting
 * up") are retried with backoff, each logged, for `config.startupTimeoutMs` (DB_STARTUP_TIMEOUT); then, or
 * at once without it, it throws DEPENDENCY_UNAVAILABLE. Safe when several replicas run it at once (a
 * concurrent create counts as success). Returns true when this call created it.
 */
export async function ensureDatabase(
  config: PgConfig,
  options: EnsureDatabaseOptions = {},
): Promise<boolean> {
  const logger = options.logger ?? silentLogger();
  return retryAtStartup(() => createIfMissing(config, options, logger), {
    what: 'PostgreSQL',
    logger,
    timeoutMs: config.startupTimeoutMs ?? 0,
  });
}

async function createIfMissing(
  config: PgConfig,
  options: EnsureDatabaseOptions,
  logger: Logger,
): Promise<boolean> {
  const connect = async (database: string): Promise<pg.Client> => {
    const client = new pg.Client({
      host: config.host,
      port: config.port,
      database,
      user: config.user,
      password: config.password,
      connectionTimeoutMillis: 5_000,
    });
    await client.connect();
    return client;
  };
  // Connecting to the database itself first means a role without CREATEDB (or without access to the
  // maintenance database) works whenever the database already exists.
  try {
    await (await connect(config.database)).end();
    return false;
  } catch (error: unknown) {
    if ((error as { code?: string }).code !== INVALID_CATALOG_NAME) throw error;
  }
  const client = await connect(options.maintenanceDatabase ?? 'postgres');
  try {
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(config.database)}`);
    } catch (error: unknown) {
      const code = (error as { code?: string }).code;
      if (code === DUPLICATE_DATABASE || code === UNIQUE_VIOLATION) return false;
      throw error;
    }
    logger.info({ database: config.database }, 'created database');
    return true;
  } finally {
    await client.end();
  }
}
