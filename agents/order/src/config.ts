import {
  postgresEnvShape,
  rabbitmqEnvShape,
  redisEnvShape,
  toPgConfig,
  toRedisUrl,
  type PgConfig,
} from '@mesh/backends';
import {
  envBool,
  envDurationMs,
  envInt,
  envOptionalDurationMs,
  parseEnvConfig,
  resolveSecretFiles,
  type Env,
} from '@mesh/common';
import { meshEnvSchema, toMeshConfig, z, type MeshConfig } from '@mesh/runtime';
import type { CommitBatchSettings } from './batched-commits.js';
import type { OutboundBatchSettings } from './batched-outbound.js';
import type { SagaSettings } from './order-saga.js';
import type { ReconcileSettings } from './reconciler.js';

/**
 * ORDER_USER_CACHE_TTL when unset. With Redis the user agent's announcements evict a changed profile here at
 * once, so it may stay long. Without Redis nothing tells this process, so only the TTL bounds how long an order
 * uses an old email or phone: 5 s, the user agent's own bound without Redis. That is safe because the profile
 * only addresses the confirmation (the user's existence was checked by the user_get that filled the entry, and
 * users are never deleted); a changed address is used by orders placed within those seconds at most.
 */
const USER_CACHE_TTL_INVALIDATED_MS = 5 * 60_000;
const USER_CACHE_TTL_ALONE_MS = 5_000;

const schema = meshEnvSchema
  .extend({
    ...postgresEnvShape,
    ...rabbitmqEnvShape,
    ...redisEnvShape,
    /** The whole forward path of one order; past it the order is compensated (seed default 30 s). */
    ORDER_PROCESSING_TIMEOUT: envDurationMs('30s'),
    /** Claim on an order while a process drives it; a crashed process's orders are recovered after it. */
    ORDER_LEASE: envDurationMs('10s'),
    /** How often stuck orders (lease expired, not finished) are looked for. */
    ORDER_RECOVERY_INTERVAL: envDurationMs('5s'),
    /** Orders recovered per pass. */
    ORDER_RECOVERY_BATCH: envInt(20, 1, 1000),
    /** Reservation lifetime; must outlast ORDER_PROCESSING_TIMEOUT so a slow charge can still commit. */
    RESERVATION_TTL: envDurationMs('120s'),
    /** Bound on the confirmation email/SMS and analytics event (non-critical steps). */
    NOTIFY_TIMEOUT: envDurationMs('2s'),
    /** Cap of each ordinary step (user, stock, reserve, commit); the order deadline caps it further. */
    ORDER_STEP_TIMEOUT: envDurationMs('5s'),
    /** Longest a confirmation email waits to go out in one call with others (0: with those of the same tick). */
    NOTIFY_BATCH_WINDOW: envDurationMs('50ms'),
    /** Longest an order event waits to go out in one call with others. */
    EVENT_BATCH_WINDOW: envDurationMs('200ms'),
    /** Most confirmations or events per call (1: one call each). */
    OUTBOUND_BATCH_SIZE: envInt(100, 1, 200),
    /** Most reservation commits per inventory call (one database transaction); 1: a call per order. */
    COMMIT_BATCH_SIZE: envInt(50, 1, 100),
    /** Commit calls under way at once; commits arriving meanwhile wait for one to return and go together. */
    COMMIT_BATCH_IN_FLIGHT: envInt(1, 1, 16),
    /**
     * While commits are busy (one left within four of these), a free call slot waits until the oldest commit
     * waiting is this old (or the batch is full), so the orders close behind it share the call: fewer hops
     * and transactions per order for at most this much latency. Quiet traffic is sent at once. 0: no wait.
     */
    COMMIT_BATCH_LINGER: envDurationMs('5ms', 'ms').refine((ms) => ms <= 1_000, {
      message: 'must be at most 1s (it is added to the latency of busy orders)',
    }),
    /**
     * How long user_get answers stay in this process's memory (0: not cached). Default 5 min with Redis
     * (REDIS_URL/REDIS_HOST/CACHE_HOST: the user agent's updates evict them), 5 s without.
     */
    ORDER_USER_CACHE_TTL: envOptionalDurationMs(),
    /** Also send an SMS confirmation when the user has a phone number. */
    ORDER_SMS: envBool(false),
    /** Orders commit synchronously even where the server's default does not; `false` only to measure. */
    MONEY_SYNCHRONOUS_COMMIT: envBool(true),
    /** How often charges at the payment gateway are reconciled with orders (also once at start). 0 = never. */
    ORDER_RECONCILE_INTERVAL: envDurationMs('5m'),
    /** How far back a reconciliation pass looks at the gateway's charges. */
    ORDER_RECONCILE_WINDOW: envDurationMs('24h'),
    /** Charges younger than this are left alone (their order may still be on its way). */
    ORDER_RECONCILE_GRACE: envDurationMs('2m'),
    /** Most charges one pass looks at. */
    ORDER_RECONCILE_MAX: envInt(10_000, 100, 1_000_000),
    /** Currency a request naming none is taken to mean when matching a repeated order_id (charges use the catalogue's). */
    ORDER_CURRENCY: z
      .string()
      .regex(/^[a-zA-Z]{3}$/, 'expected a 3-letter currency code')
      .default('usd'),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL === undefined && env.DB_HOST === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'DATABASE_URL or DB_HOST is required: orders are persisted so a crash never loses one',
      });
    }
    if (env.ORDER_PROCESSING_TIMEOUT <= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['ORDER_PROCESSING_TIMEOUT'],
        message: 'must be more than 0 (every order would time out before its first step)',
      });
    }
    if (env.RESERVATION_TTL <= env.ORDER_PROCESSING_TIMEOUT) {
      ctx.addIssue({
        code: 'custom',
        path: ['RESERVATION_TTL'],
        message: 'must be longer than ORDER_PROCESSING_TIMEOUT (a reservation must outlive its order)',
      });
    }
    if (env.ORDER_LEASE < 1000) {
      ctx.addIssue({ code: 'custom', path: ['ORDER_LEASE'], message: 'must be at least 1s' });
    }
  });

export type OrderEnv = z.output<typeof schema>;

/** order-agent's settings in plain units, parsed once at startup. */
export interface OrderAgentConfig {
  readonly env: OrderEnv;
  readonly mesh: Partial<MeshConfig>;
  readonly postgres: PgConfig;
  readonly rabbitmqUrl: string | undefined;
  readonly saga: SagaSettings;
  readonly outbound: OutboundBatchSettings;
  /** Undefined when COMMIT_BATCH_SIZE is 1: each order commits with its own call. */
  readonly commits: CommitBatchSettings | undefined;
  readonly redisUrl: string | undefined;
  /** How long a user profile is kept in memory; 0 = not cached. */
  readonly userCacheTtlMs: number;
  readonly recoveryIntervalMs: number;
  readonly recoveryBatch: number;
  readonly synchronousCommit: boolean;
  readonly reconcile: ReconcileSettings;
}

/** Reads the environment (DB_PASSWORD also from DB_PASSWORD_FILE); throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): OrderAgentConfig {
  const parsed = parseEnvConfig(
    schema,
    resolveSecretFiles(env, ['DB_PASSWORD', 'REDIS_PASSWORD']),
    'order-agent',
  );
  const redisUrl = toRedisUrl(parsed);
  const postgres = toPgConfig(parsed, { defaultDatabase: 'business_db' });
  if (postgres === undefined) throw new Error('unreachable: PostgreSQL config missing after validation');
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    postgres,
    rabbitmqUrl: parsed.RABBITMQ_URL,
    saga: {
      processingTimeoutMs: parsed.ORDER_PROCESSING_TIMEOUT,
      leaseMs: parsed.ORDER_LEASE,
      compensationTimeoutMs: Math.max(5_000, parsed.ORDER_STEP_TIMEOUT * 3),
      reservationTtlSeconds: Math.ceil(parsed.RESERVATION_TTL / 1000),
      notifyTimeoutMs: parsed.NOTIFY_TIMEOUT,
      currency: parsed.ORDER_CURRENCY.toLowerCase(),
      sendSms: parsed.ORDER_SMS,
      stepTimeoutMs: parsed.ORDER_STEP_TIMEOUT,
      duplicatePollMs: 250,
    },
    outbound: {
      maxBatch: parsed.OUTBOUND_BATCH_SIZE,
      emailDelayMs: parsed.NOTIFY_BATCH_WINDOW,
      eventDelayMs: parsed.EVENT_BATCH_WINDOW,
      timeoutMs: parsed.NOTIFY_TIMEOUT,
      maxQueued: 10_000,
    },
    commits:
      parsed.COMMIT_BATCH_SIZE > 1
        ? {
            maxBatch: parsed.COMMIT_BATCH_SIZE,
            maxInFlight: parsed.COMMIT_BATCH_IN_FLIGHT,
            lingerMs: parsed.COMMIT_BATCH_LINGER,
            maxQueued: 10_000,
          }
        : undefined,
    redisUrl,
    userCacheTtlMs:
      parsed.ORDER_USER_CACHE_TTL ??
      (redisUrl === undefined ? USER_CACHE_TTL_ALONE_MS : USER_CACHE_TTL_INVALIDATED_MS),
    recoveryIntervalMs: parsed.ORDER_RECOVERY_INTERVAL,
    recoveryBatch: parsed.ORDER_RECOVERY_BATCH,
    synchronousCommit: parsed.MONEY_SYNCHRONOUS_COMMIT,
    reconcile: {
      intervalMs: parsed.ORDER_RECONCILE_INTERVAL,
      windowMs: parsed.ORDER_RECONCILE_WINDOW,
      graceMs: parsed.ORDER_RECONCILE_GRACE,
      maxCharges: parsed.ORDER_RECONCILE_MAX,
    },
  });
}
