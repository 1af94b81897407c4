import { z } from 'zod';
import { envBool, envInt, envUrl } from '@mesh/common';
import type { OtlpProtocol, SamplerName, TelemetrySettings } from './telemetry-settings.js';

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const otlpProtocol = z.string().transform((value, ctx): OtlpProtocol => {
  const protocol = value.trim().toLowerCase();
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
  ctx.addIssue({
    code: 'custom',
    message:
      protocol === 'grpc'
        ? 'grpc is not supported: use http/protobuf (the collector listens for it on port 4318)'
        : `expected http/protobuf or http/json; got "${value}"`,
  });
  return z.NEVER;
});

/**
 * A `key=value,key2=value2` list with percent-encoded values (the W3C baggage form the OpenTelemetry spec uses
 * for OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES).
 */
function keyValueList(what: string) {
  return z.string().transform((value, ctx): Record<string, string> => {
    const pairs: Record<string, string> = {};
    for (const [index, entry] of value.split(',').entries()) {
      if (entry.trim() === '') continue;
      const at = entry.indexOf('=');
      const key = at === -1 ? '' : entry.slice(0, at).trim();
      if (at === -1 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} ${index + 1} ("${entry.trim().slice(0, 40)}") is not key=value with a key of letters, digits or -._~`,
        });
        return z.NEVER;
      }
      try {
        pairs[key] = decodeURIComponent(entry.slice(at + 1).trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: `${what} ${key}: malformed percent-encoding in its value` });
        return z.NEVER;
      }
    }
    return pairs;
  });
}

/**
 * The OpenTelemetry variables the mesh honours, as zod fields to spread into an app's env schema (the runtime's
 * `meshEnvSchema` and the registry's do), so every problem is reported by variable name at startup. Only
 * traces are exported; the values the SDK would read itself are read here and handed to it explicitly.
 */
export const otelEnvShape = {
  /** `true` turns export off whatever else is set. */
  OTEL_SDK_DISABLED: envBool(false),
  OTEL_TRACES_EXPORTER: z
    .string()
    .default('otlp')
    .refine((value) => ['otlp', 'none'].includes(value.trim().toLowerCase()), {
      message: 'expected otlp or none (spans go over OTLP/HTTP only)',
    })
    .transform((value) => value.trim().toLowerCase() as 'otlp' | 'none'),
  /** The collector's base URL; traces go to `<it>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: envUrl(['http', 'https']).optional(),
  /** The full traces URL (used as given); wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: envUrl(['http', 'https']).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList('header').optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList('header').optional(),
  /** Milliseconds an export request may take. */
  OTEL_EXPORTER_OTLP_TIMEOUT: envInt(10_000, 1, 600_000),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: envInt(0, 0, 600_000),
  /** The service name; default: the agent's name (with OTEL_SERVICE_NAME_PREFIX before it). */
  OTEL_SERVICE_NAME: z.string().trim().min(1).optional(),
  /** Ours: `<prefix>-<agent name>` as the default service name, so one value serves every agent of a deployment. */
  OTEL_SERVICE_NAME_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'expected letters, digits, ".", "_" or "-" (at most 63)')
    .optional(),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList('resource attribute').optional(),
  OTEL_TRACES_SAMPLER: z
    .string()
    .default('parentbased_always_on')
    .transform((value, ctx): SamplerName => {
      const name = value.trim().toLowerCase() as SamplerName;
      if (SAMPLERS.includes(name)) return name;
      ctx.addIssue({ code: 'custom', message: `expected one of ${SAMPLERS.join(', ')}; got "${value}"` });
      return z.NEVER;
    }),
  /** The ratio of the traceidratio samplers, 0 to 1 (default 1); ignored by the others, as the spec says. */
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .transform((value, ctx) => {
      const ratio = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : Number.NaN;
      if (!(ratio >= 0 && ratio <= 1)) {
        ctx.addIssue({ code: 'custom', message: `expected a ratio from 0 to 1; got "${value}"` });
        return z.NEVER;
      }
      return ratio;
    })
    .optional(),
};

/** What `otelEnvShape` parses to. */
export type OtelEnv = z.output<z.ZodObject<typeof otelEnvShape>>;

/**
 * The export settings the parsed variables ask for, or undefined when spans are not exported: no endpoint,
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
 */
export function toTelemetrySettings(env: OtelEnv): TelemetrySettings | undefined {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (tracesUrl === undefined || env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none')
    return undefined;
  const settings: TelemetrySettings = {
    tracesUrl,
    protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS, ...env.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    timeoutMs: env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT || env.OTEL_EXPORTER_OTLP_TIMEOUT,
    sampler: { name: env.OTEL_TRACES_SAMPLER, ratio: env.OTEL_TRACES_SAMPLER_ARG ?? 1 },
    resourceAttributes: { ...env.OTEL_RESOURCE_ATTRIBUTES },
  };
  if (env.OTEL_SERVICE_NAME !== undefined) settings.serviceName = env.OTEL_SERVICE_NAME;
  if (env.OTEL_SERVICE_NAME_PREFIX !== undefined) settings.serviceNamePrefix = env.OTEL_SERVICE_NAME_PREFIX;
  return settings;
}
