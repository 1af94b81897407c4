import { MeshError, type Logger } from '@mesh/common';

export interface StartupRetryOptions {
  /** What is waited for, as log lines and the final error name it: `PostgreSQL`, `RabbitMQ`. */
  what: string;
  logger: Logger;
  /** Give up after this long (0: one attempt). */
  timeoutMs: number;
  /** Pause after the first failure, doubled after each next one (default 250 ms)… */
  initialDelayMs?: number;
  /** …up to this (default 5 s). */
  maxDelayMs?: number;
  /** Which failures waiting may cure (default isTransientConnectError); any other is thrown at once. */
  isTransient?: (error: unknown) => boolean;
  /** Tests: a clock and a pause that need no real time. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `attempt` until it resolves, retrying failures that mean "the server is not there yet" (a broker or
 * database still starting, a container not yet in DNS) with doubling, capped pauses, each logged at warn
 * with its reason. Gives up once `timeoutMs` is spent with DEPENDENCY_UNAVAILABLE, the last error as its
 * cause, so a process started before its servers waits for them instead of exiting on the first refusal.
 */
export async function retryAtStartup<T>(attempt: () => Promise<T>, options: StartupRetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const isTransient = options.isTransient ?? isTransientConnectError;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const deadline = now() + options.timeoutMs;
  let delayMs = options.initialDelayMs ?? 250;
  for (let attempts = 1; ; attempts += 1) {
    try {
      return await attempt();
    } catch (error: unknown) {
      if (!isTransient(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      const remainingMs = deadline - now();
      if (remainingMs <= 0) {
        throw new MeshError(
          'DEPENDENCY_UNAVAILABLE',
          `${options.what} not reachable within ${options.timeoutMs / 1000} s (${attempts} attempt${attempts === 1 ? '' : 's'}): ${reason}`,
          { cause: error, data: { attempts } },
        );
      }
      const pauseMs = Math.min(delayMs, maxDelayMs, remainingMs);
      options.logger.warn(
        { err: reason, code: codeOf(error), attempt: attempts, retry_in_ms: pauseMs },
        `${options.what} not reachable yet; retrying`,
      );
      await sleep(pauseMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}

/** Socket errors of a server that is down, starting, or not yet resolvable. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // PostgreSQL: the server is starting up or shutting down (57P03), out of connection slots (53300),
  // connection exceptions (08xxx).
  '57P03',
  '53300',
  '08000',
  '08001',
  '08006',
]);

/** Messages of clients that drop the code: pg when the server closes a connection, amqplib mid-handshake. */
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /Socket closed abruptly/i,
  /timeout expired/i,
  /the database system is (starting up|shutting down)/i,
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a connection failure that waiting may cure; false for credentials, permissions, bad input. */
export function isTransientConnectError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  // Node tries every address of a name (IPv4 and IPv6) and reports them together.
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.every((inner: unknown) => isTransientConnectError(inner));
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(error.message));
}
