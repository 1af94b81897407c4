import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { envBool, envDurationMs, envUrl, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { postgresEnvShape } from '@mesh/backends';
import { meshEnvSchema } from '@mesh/runtime';

/**
 * The local payment sandbox's documented demo key (packages/sandboxes). Used when no key is configured, so
 * `start-multi-agent.sh` works out of the box; a real gateway needs PAYMENT_API_KEY(_FILE).
 */
export const SANDBOX_DEMO_API_KEY = 'sk_test_mesh_sandbox_4eC39HqLyjWDarjtT1zdp7dc';

const schema = meshEnvSchema.extend({
  ...postgresEnvShape,
  PAYMENT_GATEWAY_URL: envUrl(['http', 'https']).default('http://127.0.0.1:8090'),
  PAYMENT_API_KEY: z.string().min(1).optional(),
  /** Longest wait for one gateway call (the caller's deadline may cut it shorter). */
  PAYMENT_TIMEOUT: envDurationMs('10s'),
  /**
   * Payment records commit synchronously (wait for the disk) even on a server whose default does not, so an
   * answered charge is never forgotten by a database crash. `false` keeps the server's default (to measure).
   */
  MONEY_SYNCHRONOUS_COMMIT: envBool(true),
  PAYMENT_CURRENCY: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, 'expected a 3-letter currency code')
    .default('usd'),
});

export type PaymentAgentConfig = Readonly<z.output<typeof schema>> & {
  /** The key actually used, and where it came from (for a startup log line that never shows it). */
  readonly apiKey: string;
  readonly apiKeySource: 'env' | 'file' | 'demo';
};

export interface LoadConfigOptions {
  /** Where Docker mounts secrets; `payment_api_key` there is read when no key is configured. */
  secretsDir?: string;
}

/**
 * The payment agent's settings. The API key comes from PAYMENT_API_KEY, else PAYMENT_API_KEY_FILE, else the
 * Docker secret `/run/secrets/payment_api_key` when mounted, else the sandbox's demo key.
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): PaymentAgentConfig {
  const withDefaults: Record<string, string | undefined> = withoutEmpty(env);
  const dockerSecret = join(options.secretsDir ?? '/run/secrets', 'payment_api_key');
  if (
    withDefaults['PAYMENT_API_KEY'] === undefined &&
    withDefaults['PAYMENT_API_KEY_FILE'] === undefined &&
    existsSync(dockerSecret)
  ) {
    withDefaults['PAYMENT_API_KEY_FILE'] = dockerSecret;
  }
  const resolved = resolveSecretFiles(withDefaults, ['PAYMENT_API_KEY', 'DB_PASSWORD']);
  const parsed = parseEnvConfig(schema, resolved, 'payment-agent');
  const apiKeySource =
    withDefaults['PAYMENT_API_KEY'] !== undefined
      ? 'env'
      : parsed.PAYMENT_API_KEY !== undefined
        ? 'file'
        : 'demo';
  return Object.freeze({
    ...parsed,
    PAYMENT_CURRENCY: parsed.PAYMENT_CURRENCY.toLowerCase(),
    apiKey: parsed.PAYMENT_API_KEY ?? SANDBOX_DEMO_API_KEY,
    apiKeySource,
  });
}

/** Compose passes unset variables as empty strings (`${SMS_PROVIDER_URL:-}`): treat those as unset. */
function withoutEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}
