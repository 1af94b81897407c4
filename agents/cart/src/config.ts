import { postgresEnvShape, redisEnvShape, toPgConfig, toRedisUrl, type PgConfig } from '@mesh/backends';
import { envDurationMs, envInt, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { CART_MAX_LINES, CART_MAX_QUANTITY } from '@mesh/contracts';
import { meshEnvSchema, toMeshConfig, z, type MeshConfig } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  ...postgresEnvShape,
  ...redisEnvShape,
  /** Different items one cart may hold. */
  CART_MAX_LINES: envInt(CART_MAX_LINES, 1, CART_MAX_LINES),
  /** Units of one item one cart may hold. */
  CART_MAX_QUANTITY: envInt(CART_MAX_QUANTITY, 1, CART_MAX_QUANTITY),
  /** An untouched cart is dropped after this long (every change starts it again). */
  CART_TTL: envDurationMs('168h'),
  /** How long a checkout waits for the order saga (the order agent's ORDER_PROCESSING_TIMEOUT plus room). */
  CART_CHECKOUT_TIMEOUT: envDurationMs('45s'),
  /** Namespaces the cart keys in a shared Redis. */
  CART_REDIS_PREFIX: z.string().min(1).max(100).default('cart:'),
});

export type CartEnv = z.output<typeof schema>;

/** cart-agent's settings, parsed once at startup. */
export interface CartConfig {
  readonly env: CartEnv;
  readonly mesh: Partial<MeshConfig>;
  readonly postgres: PgConfig | undefined;
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly maxLines: number;
  readonly maxQuantity: number;
  readonly ttlMs: number;
  readonly checkoutTimeoutMs: number;
}

/** Reads the environment (the mesh's MCP_MESH_* variables and this agent's own); throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): CartConfig {
  const parsed = parseEnvConfig(
    schema,
    resolveSecretFiles(env, ['DB_PASSWORD', 'REDIS_PASSWORD']),
    'cart-agent',
  );
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    postgres: toPgConfig(parsed, { defaultDatabase: 'business_db' }),
    redisUrl: toRedisUrl(parsed),
    redisPrefix: parsed.CART_REDIS_PREFIX,
    maxLines: parsed.CART_MAX_LINES,
    maxQuantity: parsed.CART_MAX_QUANTITY,
    ttlMs: parsed.CART_TTL,
    checkoutTimeoutMs: parsed.CART_CHECKOUT_TIMEOUT,
  });
}
