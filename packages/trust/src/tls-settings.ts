import { envDurationMs, MeshError } from '@mesh/common';
import { z } from 'zod';
import { isTrustDomain } from './identity.js';

/** `off`: plain HTTP, anyone on the network is trusted. `strict`: mTLS and the capability policy. */
export type TlsMode = 'off' | 'strict';

/** TLS settings of one process, from MCP Mesh's variables (and `MCP_MESH_POLICY_FILE`, ours). */
export interface TlsSettings {
  readonly mode: TlsMode;
  /** What was asked for: `auto` becomes strict with certificate files and off without; unset is off. */
  readonly requested: 'off' | 'auto' | 'strict' | 'unset';
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly caFile?: string;
  readonly trustDomain: string;
  /** architecture.yml: who may provide and call what. Required in strict mode by agents and the registry. */
  readonly policyFile?: string;
  /** How often certificate files are checked for a re-issue (rotation without a restart). */
  readonly reloadIntervalMs: number;
}

export const DEFAULT_TRUST_DOMAIN = 'mesh.local';

/** Settings for a process that speaks plain HTTP (tests, embedding). */
export const TLS_OFF: TlsSettings = Object.freeze({
  mode: 'off',
  requested: 'unset',
  trustDomain: DEFAULT_TRUST_DOMAIN,
  reloadIntervalMs: 10_000,
});

const optionalPath = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/**
 * The TLS variables as a zod object schema; apps merge it into their own env schema so one parse lists every
 * problem. The transform checks what belongs together (strict needs all three files).
 */
export const tlsEnvSchema = z.object({
  MCP_MESH_TLS_MODE: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const mode = value === undefined || value.trim() === '' ? 'unset' : value.trim().toLowerCase();
      if (mode !== 'unset' && mode !== 'off' && mode !== 'auto' && mode !== 'strict') {
        ctx.addIssue({ code: 'custom', message: `expected off, auto or strict; got "${value}"` });
        return z.NEVER;
      }
      return mode as TlsSettings['requested'];
    }),
  MCP_MESH_TLS_CERT: optionalPath,
  MCP_MESH_TLS_KEY: optionalPath,
  MCP_MESH_TLS_CA: optionalPath,
  MCP_MESH_TRUST_DOMAIN: z
    .string()
    .default(DEFAULT_TRUST_DOMAIN)
    .refine(isTrustDomain, 'expected a lower-case domain such as mesh.local'),
  MCP_MESH_POLICY_FILE: optionalPath,
  MCP_MESH_TLS_RELOAD_INTERVAL: envDurationMs('10s'),
});

export type TlsEnv = z.output<typeof tlsEnvSchema>;

/** Maps parsed TLS env to settings; throws CONFIG_INVALID naming each missing variable when TLS is on. */
export function toTlsSettings(env: TlsEnv): TlsSettings {
  const files = [env.MCP_MESH_TLS_CERT, env.MCP_MESH_TLS_KEY, env.MCP_MESH_TLS_CA];
  const given = files.filter((file) => file !== undefined).length;
  const wantsTls = env.MCP_MESH_TLS_MODE === 'strict' || (env.MCP_MESH_TLS_MODE === 'auto' && given > 0);
  const problems: string[] = [];
  if (wantsTls && given < 3) {
    if (!env.MCP_MESH_TLS_CERT) problems.push('MCP_MESH_TLS_CERT: required when TLS is on');
    if (!env.MCP_MESH_TLS_KEY) problems.push('MCP_MESH_TLS_KEY: required when TLS is on');
    if (!env.MCP_MESH_TLS_CA) problems.push('MCP_MESH_TLS_CA: required when TLS is on');
  }
  if (problems.length > 0)
    throw new MeshError('CONFIG_INVALID', `invalid TLS configuration:\n  ${problems.join('\n  ')}`, {
      data: { problems },
    });
  const base = {
    requested: env.MCP_MESH_TLS_MODE,
    trustDomain: env.MCP_MESH_TRUST_DOMAIN,
    reloadIntervalMs: env.MCP_MESH_TLS_RELOAD_INTERVAL,
    ...(env.MCP_MESH_POLICY_FILE === undefined ? {} : { policyFile: env.MCP_MESH_POLICY_FILE }),
  };
  if (!wantsTls) return { ...base, mode: 'off' };
  return {
    ...base,
    mode: 'strict',
    certFile: env.MCP_MESH_TLS_CERT!,
    keyFile: env.MCP_MESH_TLS_KEY!,
    caFile: env.MCP_MESH_TLS_CA!,
  };
}

/**
 * The one loud line a process logs when it runs without TLS, so nobody mistakes a plain mesh for a trusted
 * one. Undefined when TLS is on.
 */
export function plainTextWarning(settings: TlsSettings, who: string): string | undefined {
  if (settings.mode !== 'off') return undefined;
  return (
    `SECURITY: ${who} runs WITHOUT TLS (MCP_MESH_TLS_MODE=${settings.requested}): anyone who can reach it can ` +
    'register providers and call tools. Use MCP_MESH_TLS_MODE=strict with certificates from `bin/meshctl tls init`.'
  );
}
