import type { Logger } from '@mesh/common';
import { dataStorage } from '@mesh/contracts';
import type { StorageCaller } from './inventory-service.js';

export interface SweeperOptions {
  storage: StorageCaller & { readonly available: boolean };
  intervalMs: number;
  logger: Logger;
  /** Reservations expired per call; a full batch triggers another call at once (bounded by maxRounds). */
  batchSize?: number;
  maxRounds?: number;
}

export interface Sweeper {
  /** One sweep now (also what the timer runs); resolves with the number of reservations expired. */
  sweepOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Periodically asks the database agent to expire abandoned reservations, returning their stock. Safe with
 * several inventory replicas (the database skips rows another sweep holds). Failures are logged and retried
 * on the next tick.
 */
export function startReservationSweeper(options: SweeperOptions): Sweeper {
  const batchSize = options.batchSize ?? 500;
  const maxRounds = options.maxRounds ?? 10;
  let running: Promise<number> | undefined;
  let stopped = false;

  const sweep = async (): Promise<number> => {
    let total = 0;
    for (let round = 0; round < maxRounds && !stopped; round += 1) {
      const result = await dataStorage.run(options.storage, {
        op: 'stock.expire_reservations',
        limit: batchSize,
      });
      total += result.expired;
      if (result.expired < batchSize) break;
    }
    if (total > 0) options.logger.info({ expired: total }, 'expired abandoned reservations');
    return total;
  };

  const sweepOnce = (): Promise<number> => {
    running ??= sweep().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    if (!options.storage.available) {
      options.logger.debug('reservation sweep skipped: no data_storage provider yet');
      return;
    }
    sweepOnce().catch((error: unknown) => {
      options.logger.warn({ err: String(error) }, 'reservation sweep failed; retrying next interval');
    });
  }, options.intervalMs);
  timer.unref();

  return {
    sweepOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
