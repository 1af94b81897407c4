import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import { sweeperDeps, type InventoryServices } from './agent.js';
import type { InventoryAgentConfig } from './config.js';
import { startReservationSweeper } from './reservation-sweeper.js';

/** inventory-agent's services for runAgentMain: the reservation TTL and the sweeper releasing expired ones. */
export function buildServices(
  config: InventoryAgentConfig,
  logger: Logger,
): AgentServices<InventoryServices> {
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
  return {
    app: { reservationTtlSeconds: config.reservationTtlSeconds },
    close: () => sweeper.stop(),
  };
}
