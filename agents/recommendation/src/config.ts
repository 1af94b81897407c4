import { join } from 'node:path';
import { postgresEnvShape, toPgConfig, type PgConfig } from '@mesh/backends';
import { envDurationMs, envInt, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { meshEnvSchema, toMeshConfig, z, type MeshConfig } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  ...postgresEnvShape,
  /** The trained model (JSON); default `<MESH_HOME>/models/recommendations.json`. */
  ML_MODEL_PATH: z.string().min(1).optional(),
  /** The local start's home (logs, data), where the default model path lives. */
  MESH_HOME: z.string().min(1).optional(),
  /** File events closer together than this make one reload. */
  ML_MODEL_RELOAD_DEBOUNCE: envDurationMs('250ms', 'ms'),
  /** A larger model file is refused (the model is parsed in memory; compose limits the agent to 2G). */
  ML_MODEL_MAX_BYTES: envInt(256 * 1024 * 1024, 1_024, 1024 * 1024 * 1024),
  /** How long best sellers read from the order history (no model yet) are reused. */
  RECOMMENDATION_BEST_SELLERS_TTL: envDurationMs('60s'),
  /** Recent completed orders the best sellers are counted over. */
  RECOMMENDATION_BEST_SELLERS_WINDOW: envInt(10_000, 1, 10_000_000),
});

export type RecommendationEnv = z.output<typeof schema>;

/** recommendation-agent's settings, parsed once at startup. */
export interface RecommendationConfig {
  readonly env: RecommendationEnv;
  readonly mesh: Partial<MeshConfig>;
  readonly postgres: PgConfig | undefined;
  readonly modelPath: string;
  readonly reloadDebounceMs: number;
  readonly modelMaxBytes: number;
  readonly bestSellersTtlMs: number;
  readonly bestSellersWindow: number;
}

/** Where the model is read (and the trainer writes it) unless ML_MODEL_PATH says otherwise. */
export function defaultModelPath(env: { MESH_HOME?: string | undefined }): string {
  return join(env.MESH_HOME ?? '.mesh', 'models', 'recommendations.json');
}

/** Reads the environment (the mesh's MCP_MESH_* variables and this agent's own); throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): RecommendationConfig {
  const parsed = parseEnvConfig(schema, resolveSecretFiles(env, ['DB_PASSWORD']), 'recommendation-agent');
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    postgres: toPgConfig(parsed, { defaultDatabase: 'business_db' }),
    modelPath: parsed.ML_MODEL_PATH ?? defaultModelPath(parsed),
    reloadDebounceMs: parsed.ML_MODEL_RELOAD_DEBOUNCE,
    modelMaxBytes: parsed.ML_MODEL_MAX_BYTES,
    bestSellersTtlMs: parsed.RECOMMENDATION_BEST_SELLERS_TTL,
    bestSellersWindow: parsed.RECOMMENDATION_BEST_SELLERS_WINDOW,
  });
}
