import { createLogger } from '@mesh/common';
import { runAgent, toMeshConfig } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildNotificationServices } from './services.js';

const config = loadConfig();
const logger = createLogger({ name: agent.name, level: config.MCP_MESH_LOG_LEVEL });
const built = await buildNotificationServices(config, logger);
await runAgent(agent, {
  app: built.services,
  mesh: toMeshConfig(config),
  logger,
  metrics: [built.metrics.registry, built.busMetrics.registry],
  healthCheck: built.healthCheck,
  onShutdown: built.close,
});
