#!/usr/bin/env node
import { createLogger } from '@mesh/common';
import { loadPaymentSandboxConfig } from './payment/config.js';
import { createPaymentSandbox } from './payment/server.js';
import { stopOnSignals } from './stop-on-signals.js';

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

stopOnSignals('payment sandbox', sandbox, logger);
