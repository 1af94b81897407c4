import { envDurationMs, envInt, parseEnvConfig, type Env } from '@mesh/common';
import { meshEnvSchema, type MeshEnv } from '@mesh/runtime';
import { DB_MAX_RESERVES } from '@mesh/contracts';
import type { ReserveBatchSettings } from './batched-reserves.js';
import { MAX_TTL_SECONDS } from './schemas.js';

const schema = meshEnvSchema.extend({
  /** Default lifetime of a reservation that is neither committed nor released (seconds). */
  RESERVATION_TTL_SECONDS: envInt(300, 1, MAX_TTL_SECONDS),
  /** How often abandoned reservations are expired. */
  RESERVATION_SWEEP_INTERVAL: envDurationMs('15s'),
  /** Most concurrent orders reserved in one database call and transaction; 1: a call per order. */
  RESERVE_BATCH_SIZE: envInt(DB_MAX_RESERVES, 1, DB_MAX_RESERVES),
  /** Reservation calls under way at once; reserves arriving while all are taken wait and go together. */
  RESERVE_BATCH_IN_FLIGHT: envInt(2, 1, 16),
  /**
   * While reserves are busy (one left within four of these), a free call slot waits until the oldest reserve
   * waiting is this old (or the batch is full), so the orders close behind it share the call. Quiet traffic
   * is sent at once. 0: no wait (reserves arriving while a call is under way still go together).
   */
  RESERVE_BATCH_LINGER: envDurationMs('5ms', 'ms').refine((ms) => ms <= 1_000, {
    message: 'must be at most 1s (it is added to the latency of busy orders)',
  }),
});

export interface InventoryAgentConfig extends MeshEnv {
  reservationTtlSeconds: number;
  sweepIntervalMs: number;
  /** Undefined when RESERVE_BATCH_SIZE is 1: each order reserves with its own call. */
  reserveBatch: ReserveBatchSettings | undefined;
}

/** inventory-agent config from env; it holds no connections of its own (all data goes through the mesh). */
export function loadConfig(env: Env = process.env): Readonly<InventoryAgentConfig> {
  const parsed = parseEnvConfig(schema, env, 'inventory-agent');
  return Object.freeze({
    ...parsed,
    reservationTtlSeconds: parsed.RESERVATION_TTL_SECONDS,
    sweepIntervalMs: parsed.RESERVATION_SWEEP_INTERVAL,
    reserveBatch:
      parsed.RESERVE_BATCH_SIZE > 1
        ? {
            maxBatch: parsed.RESERVE_BATCH_SIZE,
            maxInFlight: parsed.RESERVE_BATCH_IN_FLIGHT,
            lingerMs: parsed.RESERVE_BATCH_LINGER,
          }
        : undefined,
  });
}
