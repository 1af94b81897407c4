#!/usr/bin/env node
import { createLogger } from '@mesh/common';
import { loadPaymentSandboxConfig } from './payment/config.js';
import { createPaymentSandbox } from './payment/server.js';

const config = loadPaymentSandboxConfig();
const logger = createLogger({ name: 'payment-sandbox', level: config.LOG_LEVEL });
const sandbox = createPaymentSandbox({
  apiKey: config.PAYMENT_SANDBOX_API_KEY,
  hangMs: config.PAYMENT_SANDBOX_HANG,
  maxRecords: config.PAYMENT_SANDBOX_MAX_RECORDS,
  faults: { error_rate: config.PAYMENT_SANDBOX_ERROR_RATE, drop_rate: config.PAYMENT_SANDBOX_DROP_RATE },
  logger,
});
const { url } = await sandbox.listen(config.PORT, config.HOST);
logger.info({ url, state: 'in-memory' }, 'payment sandbox listening');

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'payment sandbox stopping');
  sandbox.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'payment sandbox did not stop cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
