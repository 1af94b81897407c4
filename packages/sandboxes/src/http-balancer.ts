#!/usr/bin/env node
import { createLogger } from '@mesh/common';
import { createBalancer } from './balancer/balancer.js';
import { loadBalancerConfig } from './balancer/config.js';

const config = loadBalancerConfig();
const logger = createLogger({ name: 'http-balancer', level: config.LOG_LEVEL });
const balancer = createBalancer({
  backends: config.BALANCER_BACKENDS,
  healthPath: config.BALANCER_HEALTH_PATH,
  healthIntervalMs: config.BALANCER_HEALTH_INTERVAL,
  logger,
});
const { url } = await balancer.listen(config.PORT, config.HOST);
logger.info(
  { url, backends: config.BALANCER_BACKENDS.map((b) => `${b.host}:${b.port}`) },
  'balancer listening',
);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'balancer stopping');
  balancer.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'balancer did not stop cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
