import { createLogger } from '@mesh/common';
import { runAgent, toMeshConfig } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildPaymentServices, type BuiltPaymentServices } from './services.js';

const config = loadConfig();
const logger = createLogger({ name: agent.name, level: config.MCP_MESH_LOG_LEVEL });
let built: BuiltPaymentServices;
try {
  built = await buildPaymentServices(config, logger);
} catch (error: unknown) {
  logger.fatal({ err: error }, 'payment-agent could not prepare its services');
  process.exit(1);
}
await runAgent(agent, {
  app: built.services,
  mesh: toMeshConfig(config),
  logger,
  healthCheck: built.healthCheck,
  onShutdown: built.close,
});
