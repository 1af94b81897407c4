import { createPgPool, createSharedStore, ensureDatabase } from '@mesh/backends';
import { createLogger } from '@mesh/common';
import { runAgent } from '@mesh/runtime';
import type pg from 'pg';
import { agent, gatewayDeps } from './agent.js';
import { createGateway } from './app.js';
import { loadConfig } from './config.js';
import { portsFromProxies } from './mesh-ports.js';
import { GatewayMetrics } from './metrics.js';
import { RateLimiter } from './rate-limiter.js';
import { listen } from './server.js';
import { TokenCache } from './token-cache.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: agent.name, level: config.env.MCP_MESH_LOG_LEVEL });
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
  const app = createGateway({
    mesh: portsFromProxies(gatewayDeps),
    limiter: new RateLimiter(store, config.rateLimit, config.rateLimitWindowMs),
    tokens: new TokenCache(config.authCacheTtlMs),
    logger,
    metrics: new GatewayMetrics(),
    bodyLimitBytes: config.bodyLimitBytes,
    orderTimeoutMs: config.orderTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    trustedProxies: config.trustedProxies,
    maxInFlight: config.maxInFlight,
    retryAfterSeconds: config.retryAfterSeconds,
    started: () => started,
    tracing: agent.tracing,
  });
  const server = await listen(app, config.port, config.host, config.orderTimeoutMs + 5_000);
  logger.info({ url: server.url }, 'gateway listening');
  // Stop taking requests as soon as a stop signal arrives; runAgent then deregisters and drains.
  const closeServer = (): void => void server.close();
  process.once('SIGTERM', closeServer);
  process.once('SIGINT', closeServer);
  await runAgent(agent, {
    app: undefined,
    mesh: config.mesh,
    logger,
    onShutdown: async () => {
      await server.close();
      await store.close();
      await pool?.end();
    },
  });
  started = true;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
