import { createLogger } from '@mesh/common';
import { runAgent, toMeshConfig } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildAnalyticsServices, type BuiltAnalyticsServices } from './services.js';

const config = loadConfig();
const logger = createLogger({ name: agent.name, level: config.MCP_MESH_LOG_LEVEL });
let built: BuiltAnalyticsServices;
try {
  // The agent's spans (exported once it starts with OTEL_* set): the batch writes link to each event's span.
  built = await buildAnalyticsServices(config, logger, { tracing: agent.tracing });
} catch (error: unknown) {
  logger.fatal({ err: error }, 'analytics-agent could not prepare its services');
  process.exit(1);
}
await runAgent(agent, {
  app: built.services,
  mesh: toMeshConfig(config),
  logger,
  healthCheck: built.healthCheck,
  metrics: [built.metrics.registry],
  onShutdown: built.close,
});
