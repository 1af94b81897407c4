import { MeshError } from '@mesh/common';
import { createTopologyServer } from '@mesh/registry/topology';
import type { DeclaredAgent } from '@mesh/registry/topology';
import type { Command, CommandContext } from '../cli/command.js';
import { readState } from '../local/state.js';
import { chooseUiMetrics } from './ui-metrics.js';
import { uiTopologySource } from './ui-source.js';

/** The page's port on a default start (beside the registry's 8000 and the gateway's 8080); MESH_PORT_OFFSET moves it. */
const DEFAULT_UI_PORT = 8070;

function portOf(ctx: CommandContext): number {
  const [given] = ctx.args;
  if (given === undefined) return DEFAULT_UI_PORT + ctx.config.MESH_PORT_OFFSET;
  const port = Number(given);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new MeshError('INVALID_ARGUMENT', `ui: the port must be 0-65535 (0: any free one); got "${given}"`);
  return port;
}

/** architecture.yml's agents, or none when it cannot be read (the page then draws what registered). */
function declaredOf(ctx: CommandContext): { tierOrder: readonly string[]; declared: DeclaredAgent[] } {
  try {
    const arch = ctx.arch();
    return {
      tierOrder: arch.tierOrder,
      declared: arch.agents.map((agent) => ({
        name: agent.name,
        tier: agent.tier,
        replicas: agent.replicas,
        provides: agent.provides,
        dependsOn: agent.depends_on,
      })),
    };
  } catch {
    return { tierOrder: [], declared: [] };
  }
}

/**
 * `meshctl ui`: the live topology page on loopback. It runs here rather than in the registry because a strict
 * registry (the default) answers only mesh certificates, which a browser does not hold, and the agents'
 * `/metrics` are behind the same mTLS: this process holds the operator certificate and the browser talks to it.
 */
export const uiCommand: Command = {
  name: 'ui',
  help: [
    {
      usage: 'ui [PORT] [--prometheus URL]',
      summary: `the live topology page on http://127.0.0.1:8070/ (PORT 0: any free port):
agents by tier with replicas, health, versions and capabilities, dependency
edges with calls/s, error ratio and p95 from the agents' metrics (each
replica's /metrics; a Docker mesh's from the monitoring layer's Prometheus;
--prometheus or MESH_PROMETHEUS_URL: from that Prometheus); until Ctrl-C`,
    },
  ],
  async run(ctx) {
    const registry = ctx.registry();
    const metrics = chooseUiMetrics({
      prometheusUrl: ctx.values.prometheus ?? ctx.config.MESH_PROMETHEUS_URL,
      state: readState(ctx.home),
    });
    const source = uiTopologySource({
      registryUrl: registry.baseUrl,
      fetchAgents: () => registry.agents(),
      operatorTls: () => ctx.operatorTls(),
      metrics,
      ...declaredOf(ctx),
    });
    const server = createTopologyServer({ source });
    const url = await server.listen(portOf(ctx));
    await source.start();
    const rates =
      metrics.kind === 'prometheus' ? `rates from Prometheus ${metrics.url}` : 'rates from each replica';
    ctx.print(`Topology of ${registry.baseUrl} (${rates}) at ${url} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    source.stop();
    await server.close();
    return 0;
  },
};
