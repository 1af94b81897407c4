import type { Architecture } from '../architecture/load.js';

/** One entry of the Helm chart's `agents` list (deploy/helm/agent-mesh/values.yaml). */
export interface ChartAgent {
  readonly name: string;
  readonly replicas: number;
  readonly database: string;
}

/**
 * The agent whose Deployment the chart gives the public port (templates/agents.yaml names it): it must be
 * architecture.yml's agent with a fixed port, and that port must be the one the chart publishes.
 */
export const CHART_GATEWAY = { name: 'api-gateway', port: 8080 } as const;

/**
 * What the chart's agent list says differently from architecture.yml, one sentence each; empty when they
 * agree. The chart uses each agent's name (Deployment, Services, certificate Secret), replicas and database;
 * capabilities and dependencies reach the pods through architecture.yml itself, which the image carries as
 * the authorization policy, so they cannot drift here.
 */
export function chartAgentDrift(architecture: Architecture, chartAgents: readonly ChartAgent[]): string[] {
  const problems: string[] = [];
  const charted = new Map<string, ChartAgent>();
  for (const agent of chartAgents) {
    if (charted.has(agent.name)) problems.push(`values.yaml lists agent ${agent.name} twice`);
    charted.set(agent.name, agent);
  }
  const databases = new Set(architecture.infrastructure.flatMap((entry) => entry.databases));

  for (const declared of architecture.agents) {
    const agent = charted.get(declared.name);
    if (agent === undefined) {
      problems.push(`architecture.yml agent ${declared.name} is missing from values.yaml agents`);
      continue;
    }
    if (agent.replicas !== declared.replicas)
      problems.push(
        `${declared.name}: values.yaml has replicas ${agent.replicas}, architecture.yml has ${declared.replicas}`,
      );
    if (declared.database !== undefined && agent.database !== declared.database)
      problems.push(
        `${declared.name}: values.yaml has database ${agent.database}, architecture.yml has ${declared.database}`,
      );
    if (declared.database === undefined && !databases.has(agent.database))
      problems.push(
        `${declared.name}: values.yaml has database ${agent.database}, which architecture.yml does not create ` +
          `(${[...databases].join(', ')})`,
      );
  }
  for (const name of charted.keys())
    if (architecture.agent(name) === undefined)
      problems.push(`values.yaml agent ${name} is not an agent of architecture.yml`);

  const gateway = architecture.agent(CHART_GATEWAY.name);
  if (gateway === undefined)
    problems.push(`the chart publishes ${CHART_GATEWAY.name}, which architecture.yml does not declare`);
  else if (gateway.port !== CHART_GATEWAY.port)
    problems.push(
      `${CHART_GATEWAY.name}: the chart publishes port ${CHART_GATEWAY.port}, architecture.yml gives ` +
        `${gateway.port ?? 'none'}`,
    );
  return problems;
}
