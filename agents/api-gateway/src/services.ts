import { createPgPool, createSharedStore, ensureDatabase } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type pg from 'pg';
import { agent, gatewayDeps } from './agent.js';
import { createGateway } from './app.js';
import type { GatewayConfig } from './config.js';
import { portsFromProxies } from './mesh-ports.js';
import { GatewayMetrics } from './metrics.js';
import { RateLimiter } from './rate-limiter.js';
import { listen } from './server.js';
import { createTokenCheck } from './token-check/token-check.js';

/**
 * The gateway for runAgentMain: the shared rate-limit store (Redis, else PostgreSQL, else memory), local token
 * verification fed by auth's published keys and revocations, and the public HTTP server, listening before the
 * agent registers and answering 503 until it has started.
 */
export async function buildServices(
  config: GatewayConfig,
  logger: Logger,
): Promise<AgentServices<undefined>> {
  let pool: pg.Pool | undefined;
  if (config.redisUrl === undefined && config.postgres !== undefined) {
    await ensureDatabase(config.postgres, { logger });
    pool = createPgPool(
      { ...config.postgres, max: Math.min(config.postgres.max, 10) },
      { logger, applicationName: 'api-gateway' },
    );
  }
  const store = createSharedStore({ redisUrl: config.redisUrl, pool, prefix: 'gateway', logger });
  logger.info(
    { rateLimit: config.rateLimit, store: config.redisUrl ? 'redis' : pool ? 'postgres' : 'memory' },
    'rate limit configured',
  );
  let started = false;
  const mesh = portsFromProxies(gatewayDeps);
  const metrics = new GatewayMetrics();
  const tokens = createTokenCheck({
    mesh,
    keysRefreshMs: config.authKeysRefreshMs,
    revocationPollMs: config.authRevocationPollMs,
    logger,
    metrics,
  });
  const handler = createGateway({
    mesh,
    limiter: new RateLimiter(store, config.rateLimit, config.rateLimitWindowMs),
    tokens: tokens.verifier,
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    orderTimeoutMs: config.orderTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    trustedProxies: config.trustedProxies,
    maxInFlight: config.maxInFlight,
    maxQueued: config.maxQueued,
    queueTimeoutMs: config.queueTimeoutMs,
    retryAfterSeconds: config.retryAfterSeconds,
    started: () => started,
    tracing: agent.tracing,
  });
  const server = await listen(handler, config.port, config.host, config.orderTimeoutMs + 5_000);
  logger.info({ url: server.url }, 'gateway listening');
  return {
    app: undefined,
    onStarted: () => {
      started = true;
      // Until the first key set arrives, authenticated routes answer 503 AUTH_UNAVAILABLE and /ready is false.
      tokens.start();
    },
    // Stop taking requests as soon as a stop signal arrives; the runtime then deregisters and drains.
    onStopSignal: () => void server.close(),
    close: async () => {
      tokens.stop();
      await server.close();
      await store.close();
      await pool?.end();
    },
  };
}
