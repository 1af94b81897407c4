import { pino, type Logger, type LoggerOptions } from 'pino';
import { logContextFields } from './log-context.js';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = {
  critical: 'fatal',
  fatal: 'fatal',
  error: 'error',
  warning: 'warn',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
  silent: 'silent',
  off: 'silent',
};

/** Accepts MCP Mesh style levels (`INFO`, `WARNING`, `DEBUG`) as well as pino's; undefined for anything else. */
export function parseLogLevel(value: string): LogLevel | undefined {
  return LEVEL_ALIASES[value.trim().toLowerCase()];
}

export interface CreateLoggerOptions {
  name: string;
  level?: LogLevel;
  /** Extra fields on every line, such as the agent id. */
  base?: Record<string, unknown>;
  /** Where to write; defaults to stdout. Tests pass a stream to read lines back. */
  destination?: NodeJS.WritableStream;
}

let stdoutDestination: pino.DestinationStream | undefined;

/**
 * Standard output, written synchronously, shared by every logger of the process. pino's default writes
 * asynchronously and, at `process.exit`, writes what waits behind a write still under way first: with the
 * pipe full (a log collector behind) the last lines of a shutdown came out before earlier ones, or cut a line
 * in two. A synchronous write keeps the lines whole and in order, as Node's own stdout does on Linux.
 */
function stdout(): pino.DestinationStream {
  stdoutDestination ??= pino.destination({ dest: 1, sync: true });
  return stdoutDestination;
}

/**
 * A pino JSON logger with ISO timestamps and the service name on every line, and the `trace_id` and `span_id`
 * of the request or call being served (see withLogContext) on every line written while serving it.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: LoggerOptions = {
    name: options.name,
    level: options.level ?? 'info',
    base: { service: options.name, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: logContextFields,
  };
  return pino(pinoOptions, (options.destination as pino.DestinationStream | undefined) ?? stdout());
}

/** A logger that drops everything: the default for libraries given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
