import { createLogger } from '@mesh/common';
import { runAgent, toMeshConfig } from '@mesh/runtime';
import { agent, sweeperDeps } from './agent.js';
import { loadConfig } from './config.js';
import { startReservationSweeper } from './reservation-sweeper.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: agent.name, level: config.MCP_MESH_LOG_LEVEL });
  // Ticks do nothing until the mesh has resolved a data_storage provider.
  const sweeper = startReservationSweeper({
    storage: sweeperDeps.storage,
    intervalMs: config.sweepIntervalMs,
    logger,
  });
  logger.info(
    { reservationTtlSeconds: config.reservationTtlSeconds, sweepIntervalMs: config.sweepIntervalMs },
    'reservation sweeper scheduled',
  );
  await runAgent(agent, {
    app: { reservationTtlSeconds: config.reservationTtlSeconds },
    mesh: toMeshConfig(config),
    logger,
    onShutdown: () => sweeper.stop(),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
