import { silentLogger } from '@mesh/common';
import type { MeshConfig } from './config.js';
import type { Agent, RunningAgent } from './define-agent.js';
import type { AgentServices } from './run-agent-main.js';

/**
 * Starts `agent` with nothing around it: no registry (its dependencies stay unavailable), a free loopback
 * port, a silent logger. `stop()` stops the agent, then closes its services. For tests, and for trying one
 * agent by hand.
 */
export async function startAlone<App>(
  agent: Agent<App>,
  services: AgentServices<App>,
  mesh: Partial<MeshConfig> = {},
): Promise<RunningAgent> {
  const running = await agent.start({
    app: services.app,
    mesh: { ...mesh, registryUrl: null, httpPort: 0 },
    logger: silentLogger(),
  });
  return {
    url: running.url,
    port: running.port,
    probePort: running.probePort,
    agentId: running.agentId,
    logger: running.logger,
    async stop() {
      await running.stop();
      await services.close?.();
    },
  };
}
