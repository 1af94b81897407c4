import { createLogger } from '@mesh/common';
import { runAgent } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildOrderStack } from './services.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: agent.name, level: config.env.MCP_MESH_LOG_LEVEL });
  const stack = await buildOrderStack(config, logger);
  logger.info(
    {
      owner: stack.owner,
      processingTimeoutMs: config.saga.processingTimeoutMs,
      leaseMs: config.saga.leaseMs,
      eventBus: config.rabbitmqUrl !== undefined,
    },
    'order saga ready',
  );
  await runAgent(agent, {
    app: { saga: stack.saga },
    mesh: config.mesh,
    logger,
    metrics: [stack.metrics.registry, stack.outcomes.registry, stack.busMetrics.registry],
    onShutdown: () => stack.close(),
  });
  // Orders a previous run left behind are picked up as soon as the mesh has resolved our dependencies.
  void stack.recovery.runOnce();
  // Charges a crash left standing for orders that did not complete are refunded from the start.
  void stack.reconciler.runOnce();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
