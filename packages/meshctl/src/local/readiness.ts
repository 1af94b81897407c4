import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { httpRequest } from '@mesh/common';
import pg from 'pg';

/** True when GET url answers 2xx within a second (`tls`: the mesh CA, for https URLs of a strict mesh). */
export async function httpReady(url: string, tls?: ConnectionOptions): Promise<boolean> {
  try {
    const { status } = await httpRequest(url, { timeoutMs: 1000, ...(tls ? { tls } : {}) });
    return status >= 200 && status < 300;
  } catch {
    return false;
  }
}

/**
 * True when a PostgreSQL server at `url` accepts a connection and answers `SELECT 1` within `timeoutMs`:
 * the server-level readiness pg_isready checks, through the same driver the agents use.
 */
export async function postgresReady(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A server going away mid-check emits 'error' on the client; the failed query already says so.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The JSON object in `file`, or undefined while it is missing or partial. */
export function readJsonFile(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The first JSON object line of a log that has `key`, or undefined. Only bytes from `fromByte` on count:
 * logs are appended across runs, and a ready line of the previous run must not pass for this one.
 */
export function jsonLineWith(
  logFile: string,
  key: string,
  fromByte = 0,
): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(logFile).subarray(fromByte).toString('utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value = JSON.parse(trimmed) as Record<string, unknown>;
      if (value[key] !== undefined) return value;
    } catch {
      // a partial line; the next poll sees it whole
    }
  }
  return undefined;
}

export class ReadinessError extends Error {
  constructor(
    message: string,
    readonly logFile?: string,
  ) {
    super(message);
  }
}

/**
 * Polls `probe` every `intervalMs` until it yields a value, the process exits (`exited` settles first) or
 * `timeoutMs` passes. Throws ReadinessError naming what was awaited.
 */
export async function awaitReady<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; exited?: Promise<string>; logFile?: string; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let exitReason: string | undefined;
  void options.exited?.then((reason) => {
    exitReason = reason;
  });
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (exitReason !== undefined) {
      throw new ReadinessError(`${what} exited (${exitReason}) before it became ready`, options.logFile);
    }
    if (Date.now() >= deadline) {
      throw new ReadinessError(
        `${what} did not become ready within ${options.timeoutMs} ms (DEPENDENCY_TIMEOUT)`,
        options.logFile,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
