#!/usr/bin/env node
import { hostname } from 'node:os';
import { createLogger, isMeshError } from '@mesh/common';
import { startTelemetry } from '@mesh/telemetry';
import { loadConfig } from './config.js';
import { createRegistryServer } from './server.js';
import { MemoryStore } from './store/memory-store.js';
import { PostgresStore } from './store/postgres-store.js';
import type { RegistryStore } from './store/registry-store.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error: unknown) {
    process.stderr.write(`${isMeshError(error) ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const logger = createLogger({ name: 'mesh-registry', level: config.logLevel });
  const store: RegistryStore =
    config.databaseUrl === undefined
      ? new MemoryStore()
      : new PostgresStore({
          connectionString: config.databaseUrl,
          poolMax: config.dbPoolMax,
          logger,
          // Heartbeat times in the shared table are never more than a quarter threshold behind.
          touchMinStepMs: Math.min(5000, config.timeoutThresholdMs / 4),
        });
  // Spans of its requests (heartbeats, resolution, the proxy) and of its PostgreSQL store, when OTEL_* ask.
  const telemetry =
    config.telemetry === undefined
      ? undefined
      : await startTelemetry(config.telemetry, { name: 'registry', instanceId: hostname() });
  if (telemetry) logger.info({ service: telemetry.serviceName }, 'exporting spans');
  const registry = await createRegistryServer({
    config,
    store,
    logger,
    defaultMetrics: true,
    ...(telemetry ? { tracerProvider: telemetry.provider } : {}),
  });
  const { url, probePort } = await registry.listen();
  logger.info(
    { url, host: config.host, port: config.port, probe_port: probePort, store: store.kind },
    'registry listening',
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    registry
      .close()
      .then(() => telemetry?.shutdown())
      .then(
        () => {
          logger.info('registry stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `mesh-registry failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
