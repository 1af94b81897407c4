import { envDurationMs, envInt, parseEnvConfig, type Env } from '@mesh/common';
import { meshEnvSchema, type MeshEnv } from '@mesh/runtime';
import { MAX_TTL_SECONDS } from './schemas.js';

const schema = meshEnvSchema.extend({
  /** Default lifetime of a reservation that is neither committed nor released (seconds). */
  RESERVATION_TTL_SECONDS: envInt(300, 1, MAX_TTL_SECONDS),
  /** How often abandoned reservations are expired. */
  RESERVATION_SWEEP_INTERVAL: envDurationMs('15s'),
});

export interface InventoryAgentConfig extends MeshEnv {
  reservationTtlSeconds: number;
  sweepIntervalMs: number;
}

/** inventory-agent config from env; it holds no connections of its own (all data goes through the mesh). */
export function loadConfig(env: Env = process.env): Readonly<InventoryAgentConfig> {
  const parsed = parseEnvConfig(schema, env, 'inventory-agent');
  return Object.freeze({
    ...parsed,
    reservationTtlSeconds: parsed.RESERVATION_TTL_SECONDS,
    sweepIntervalMs: parsed.RESERVATION_SWEEP_INTERVAL,
  });
}
