import { envDurationMs, envInt, parseEnvConfig, type Env } from '@mesh/common';
import { meshEnvSchema, toMeshConfig, type MeshConfig, type z } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  /** How long a copy of the catalogue is served before the inventory agent is asked again. */
  PRODUCT_CACHE_TTL: envDurationMs('5s'),
  /** While the inventory agent cannot answer, a copy up to this old is still served. */
  PRODUCT_CACHE_MAX_STALE: envDurationMs('60s'),
  /** The most products held in memory (the catalogue beyond is not served, and a warning says so). */
  PRODUCT_CACHE_MAX_PRODUCTS: envInt(10_000, 100, 200_000),
});

export type ProductEnv = z.output<typeof schema>;

/** product-agent's settings, parsed once at startup. */
export interface ProductConfig {
  readonly env: ProductEnv;
  readonly mesh: Partial<MeshConfig>;
  readonly cacheTtlMs: number;
  readonly cacheMaxStaleMs: number;
  readonly cacheMaxProducts: number;
}

/** Reads the environment (the mesh's MCP_MESH_* variables and this agent's own); throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): ProductConfig {
  const parsed = parseEnvConfig(schema, env, 'product-agent');
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    cacheTtlMs: parsed.PRODUCT_CACHE_TTL,
    cacheMaxStaleMs: Math.max(parsed.PRODUCT_CACHE_MAX_STALE, parsed.PRODUCT_CACHE_TTL),
    cacheMaxProducts: parsed.PRODUCT_CACHE_MAX_PRODUCTS,
  });
}
