#!/usr/bin/env node
import { createLogger } from '@mesh/common';
import { createBalancer } from './balancer/balancer.js';
import { loadBalancerConfig } from './balancer/config.js';
import { stopOnSignals } from './stop-on-signals.js';

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

stopOnSignals('balancer', balancer, logger);
