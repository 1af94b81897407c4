import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import { backgroundDeps, type InventoryServices } from './agent.js';
import { BatchedReserves } from './batched-reserves.js';
import type { InventoryAgentConfig } from './config.js';
import { startReservationSweeper } from './reservation-sweeper.js';

/**
 * inventory-agent's services for runAgentMain: the reservation TTL, the batcher of concurrent reserves, and the
 * sweeper releasing expired reservations.
 */
export function buildServices(
  config: InventoryAgentConfig,
  logger: Logger,
): AgentServices<InventoryServices> {
  // Ticks do nothing until the mesh has resolved a data_storage provider.
  const sweeper = startReservationSweeper({
    storage: backgroundDeps.storage,
    intervalMs: config.sweepIntervalMs,
    logger,
  });
  logger.info(
    { reservationTtlSeconds: config.reservationTtlSeconds, sweepIntervalMs: config.sweepIntervalMs },
    'reservation sweeper scheduled',
  );
  const reserves = config.reserveBatch && new BatchedReserves(backgroundDeps.storage, config.reserveBatch);
  logger.info({ reserveBatch: config.reserveBatch ?? 'off' }, 'reserves batched');
  return {
    app: { reservationTtlSeconds: config.reservationTtlSeconds, reserves },
    close: async () => {
      await reserves?.drain();
      await sweeper.stop();
    },
  };
}
