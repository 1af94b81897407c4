import { z } from 'zod';
import {
  envDurationMs,
  envInt,
  parseEnvConfig,
  envLogLevel,
  resolveSecretFiles,
  type Env,
} from '@mesh/common';

/**
 * The key the sandbox accepts when none is configured. It guards nothing (the sandbox moves no money);
 * it exists so clients exercise the same Authorization header as against a real gateway.
 */
export const DEMO_PAYMENT_API_KEY = 'sk_test_mesh_sandbox_4eC39HqLyjWDarjtT1zdp7dc';

function rate() {
  return z
    .string()
    .default('0')
    .transform((value, ctx) => {
      const parsed = Number(value);
      if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
        ctx.addIssue({ code: 'custom', message: `expected a rate from 0 to 1; got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });
}

const schema = z.object({
  PORT: envInt(8090, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  PAYMENT_SANDBOX_API_KEY: z.string().min(8).default(DEMO_PAYMENT_API_KEY),
  PAYMENT_SANDBOX_HANG: envDurationMs('60s'),
  PAYMENT_SANDBOX_MAX_RECORDS: envInt(100_000, 1),
  /** Share of charges and refunds answered 500 before executing (chaos tests). */
  PAYMENT_SANDBOX_ERROR_RATE: rate(),
  /** Share of charges and refunds executed but left unanswered (lost responses). */
  PAYMENT_SANDBOX_DROP_RATE: rate(),
  LOG_LEVEL: envLogLevel(),
});

export type PaymentSandboxConfig = Readonly<z.output<typeof schema>>;

/** Reads the payment sandbox's settings; the API key may come from PAYMENT_SANDBOX_API_KEY_FILE. */
export function loadPaymentSandboxConfig(env: Env = process.env): PaymentSandboxConfig {
  return parseEnvConfig(schema, resolveSecretFiles(env, ['PAYMENT_SANDBOX_API_KEY']), 'payment-sandbox');
}
