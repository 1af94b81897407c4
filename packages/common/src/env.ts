import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MeshError } from './mesh-error.js';
import { parseLogLevel } from './logger.js';
import type { LogLevel } from './logger.js';

export type Env = Readonly<Record<string, string | undefined>>;

const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `5s`, `2m`, `1h`; a bare number is read in `bareUnit` (seconds, as the seed's env vars are). */
export function parseDurationMs(value: string, bareUnit: 'ms' | 's' = 's'): number | undefined {
  const match = DURATION_PATTERN.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? bareUnit).toLowerCase();
  return Math.round(amount * (UNIT_MS[unit] ?? 1000));
}

/** `value` in milliseconds, or an issue on `ctx` naming the forms a duration takes and what was given. */
function durationMs(value: string, bareUnit: 'ms' | 's', ctx: z.RefinementCtx): number {
  const ms = parseDurationMs(value, bareUnit);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 5s, 500ms or 5; got "${value}"`,
    });
    return z.NEVER;
  }
  return ms;
}

/** A zod schema for a duration env var, producing milliseconds. */
export function envDurationMs(defaultValue: string, bareUnit: 'ms' | 's' = 's') {
  return z
    .string()
    .default(defaultValue)
    .transform((value, ctx) => durationMs(value, bareUnit, ctx));
}

/**
 * A duration env var without a fixed default, producing milliseconds, or undefined when it is unset or empty:
 * for a setting whose default depends on others (the caller picks it after parsing).
 */
export function envOptionalDurationMs(bareUnit: 'ms' | 's' = 's') {
  return z
    .string()
    .optional()
    .transform((value, ctx) =>
      value === undefined || value === '' ? undefined : durationMs(value, bareUnit, ctx),
    );
}

/** `value` as an integer in [min, max], or an issue on `ctx` naming the range and what was given. */
function boundedInt(value: string, min: number, max: number, ctx: z.RefinementCtx): number {
  const trimmed = value.trim();
  const parsed = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}; got "${value}"` });
    return z.NEVER;
  }
  return parsed;
}

/** A zod schema for an integer env var within bounds. */
export function envInt(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .default(String(defaultValue))
    .transform((value, ctx) => boundedInt(value, min, max, ctx));
}

/** A log level env var: MCP Mesh's names (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`) or pino's. */
export function envLogLevel(defaultValue = 'info') {
  return z
    .string()
    .default(defaultValue)
    .transform((value, ctx): LogLevel => {
      const level = parseLogLevel(value);
      if (level === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected DEBUG, INFO, WARNING, ERROR or CRITICAL; got "${value}"`,
        });
        return z.NEVER;
      }
      return level;
    });
}

/** An integer env var within bounds that stays undefined when unset (for settings that switch a feature on). */
export function envOptionalInt(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => (value === undefined ? undefined : boundedInt(value, min, max, ctx)));
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** A boolean env var that reads "false" as false (unlike z.coerce.boolean). */
export function envBool(defaultValue: boolean) {
  return z
    .string()
    .default(String(defaultValue))
    .transform((value, ctx) => {
      const word = value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false; got "${value}"` });
      return z.NEVER;
    });
}

/** A URL env var (http, https, postgres, redis, amqp…), validated but kept as a string. */
export function envUrl(protocols?: readonly string[]) {
  return z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return protocols === undefined || protocols.includes(url.protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: protocols ? `expected a ${protocols.join(' or ')} URL` : 'expected a URL' },
  );
}

/**
 * Fills `NAME` from the file named by `NAME_FILE` (Docker secrets) for each name given.
 * An explicit `NAME` wins; an unreadable file is a config error naming the variable.
 */
export function resolveSecretFiles(env: Env, names: readonly string[]): Record<string, string | undefined> {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (env[name] !== undefined || file === undefined || file === '') continue;
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      problems.push(`${name}_FILE: cannot read ${file} (${reason})`);
    }
  }
  if (problems.length > 0) {
    throw new MeshError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, {
      data: { problems },
    });
  }
  return resolved;
}

/**
 * Parses env with a zod object schema into a frozen config; on failure throws one CONFIG_INVALID error
 * that lists every problem by variable name, so startup stops with the whole picture. An empty value counts
 * as unset everywhere (compose files pass `${X:-}` through as an empty string), so it gets the default.
 */
export function parseEnvConfig<T extends z.ZodType>(
  schema: T,
  env: Env,
  appName: string,
): Readonly<z.output<T>> {
  const set: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) if (value !== '') set[name] = value;
  const result = schema.safeParse(set);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(env)';
      return `${path}: ${issue.message}`;
    });
    throw new MeshError('CONFIG_INVALID', `${appName}: invalid configuration:\n  ${problems.join('\n  ')}`, {
      data: { problems },
    });
  }
  return Object.freeze(result.data);
}
