import type pg from 'pg';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import { openAgentDatabase, toPgConfig } from '@mesh/backends';
import type { PaymentServices } from './agent.js';
import type { PaymentAgentConfig } from './config.js';
import { GatewayClient } from './gateway-client.js';
import { PaymentService } from './payment-service.js';
import { MemoryPaymentStore, type PaymentStore } from './payment-store.js';
import { PAYMENT_MIGRATIONS, PgPaymentStore } from './pg-payment-store.js';

export interface BuiltPaymentServices {
  services: PaymentServices;
  healthCheck: () => Promise<boolean>;
  close: () => Promise<void>;
}

/**
 * Builds what the handlers need from config: the payments table in business_db (created and migrated on
 * start), or memory when no database is configured, and the gateway client.
 */
export async function buildPaymentServices(
  config: PaymentAgentConfig,
  logger: Logger,
): Promise<BuiltPaymentServices> {
  const pgConfig = toPgConfig(config, { defaultDatabase: 'business_db' });
  let pool: pg.Pool | undefined;
  let store: PaymentStore;
  if (pgConfig !== undefined) {
    pool = await openAgentDatabase(pgConfig, {
      name: 'payment-agent',
      migrations: PAYMENT_MIGRATIONS,
      logger,
      synchronousCommit: config.MONEY_SYNCHRONOUS_COMMIT,
      holds: 'payment records',
    });
    store = new PgPaymentStore(pool);
  } else {
    store = new MemoryPaymentStore();
    logger.warn('no DATABASE_URL or DB_HOST: payment records are kept in memory and a restart forgets them');
  }
  const gateway = new GatewayClient({
    baseUrl: config.PAYMENT_GATEWAY_URL,
    apiKey: config.apiKey,
    timeoutMs: config.PAYMENT_TIMEOUT,
    logger,
  });
  logger.info(
    {
      gateway: config.PAYMENT_GATEWAY_URL,
      api_key_source: config.apiKeySource,
      timeout_ms: config.PAYMENT_TIMEOUT,
    },
    'payment gateway configured',
  );
  const payments = new PaymentService({ store, gateway, defaultCurrency: config.PAYMENT_CURRENCY, logger });
  return {
    services: { payments },
    healthCheck: async () => {
      if (pool !== undefined) await pool.query('SELECT 1');
      return true;
    },
    close: async () => {
      gateway.close();
      await pool?.end();
    },
  };
}

/** payment-agent's services for runAgentMain. */
export async function buildServices(
  config: PaymentAgentConfig,
  logger: Logger,
): Promise<AgentServices<PaymentServices>> {
  const built = await buildPaymentServices(config, logger);
  return { app: built.services, healthCheck: built.healthCheck, close: built.close };
}
