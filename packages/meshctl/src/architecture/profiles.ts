import { MeshError } from '@mesh/common';
import type { Architecture, TieredAgent } from './load.js';
import type { ArchitectureDocument, ProfileEntry } from './schema.js';

/**
 * The architecture as a profile changes it: each agent the profile names gets its replicas and its env on
 * top of the agent's own; the rest stays. Without a name, the architecture itself. An unknown name is a
 * CONFIG_INVALID error listing the profiles there are.
 */
export function applyProfile(arch: Architecture, name: string | undefined): Architecture {
  if (name === undefined || name === '') return arch;
  const profile = arch.profileEntries[name];
  if (profile === undefined) {
    const known = Object.keys(arch.profileEntries);
    throw new MeshError(
      'CONFIG_INVALID',
      `unknown profile "${name}": ${arch.file} has ${known.length === 0 ? 'no profiles' : known.join(', ')}`,
    );
  }
  const agents = arch.agents.map((agent) => profiled(agent, profile));
  const byName = new Map(agents.map((a) => [a.name, a]));
  return { ...arch, agents, profile: name, agent: (agentName) => byName.get(agentName) };
}

function profiled(agent: TieredAgent, profile: ProfileEntry): TieredAgent {
  const change = profile.agents[agent.name];
  if (change === undefined) return agent;
  return { ...agent, replicas: change.replicas ?? agent.replicas, env: { ...agent.env, ...change.env } };
}

/** Whether the agent's replicas share its fixed port through a balancer (more than one on a fixed port). */
export function isBalanced(agent: Pick<TieredAgent, 'port' | 'replicas'>): boolean {
  return agent.port !== undefined && agent.replicas > 1;
}

/**
 * The port a replica listens on: an agent's fixed port (plus the offset) when it runs alone; when several
 * replicas share the fixed port, the balancer takes it and replica N listens on port + N. Undefined for an
 * agent without a fixed port (each replica then takes a free one).
 */
export function replicaPort(
  agent: Pick<TieredAgent, 'port' | 'replicas'>,
  replica: number,
  offset: number,
): number | undefined {
  if (agent.port === undefined) return undefined;
  return agent.port + offset + (isBalanced(agent) ? replica : 0);
}

/** One problem a profile has, with the document path to point at. */
export interface ProfileProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * What is wrong with the profiles of a document whose agents are otherwise valid: agents no tier declares,
 * and balanced replicas whose ports (port + N) land on a fixed port of the registry, the infrastructure or
 * another agent.
 */
export function profileProblems(data: ArchitectureDocument): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const agents = Object.values(data.agents).flat();
  const names = agents.map((a) => a.name);
  const taken = new Map<number, string>([[data.registry.port, "the registry's port"]]);
  for (const entry of data.infrastructure)
    for (const [key, port] of Object.entries(entry.ports)) taken.set(port, `${entry.name}'s ${key} port`);
  for (const agent of agents) if (agent.port !== undefined) taken.set(agent.port, `${agent.name}'s port`);
  for (const [profileName, profile] of Object.entries(data.profiles)) {
    for (const [agentName, change] of Object.entries(profile.agents)) {
      const path = ['profiles', profileName, 'agents', agentName];
      const agent = agents.find((a) => a.name === agentName);
      if (agent === undefined) {
        problems.push({ path, message: `unknown agent "${agentName}" (agents: ${names.join(', ')})` });
        continue;
      }
      const replicas = change.replicas ?? agent.replicas;
      if (agent.port === undefined || replicas < 2) continue;
      for (let replica = 1; replica <= replicas; replica += 1) {
        const port = agent.port + replica;
        const owner = taken.get(port);
        if (owner === undefined) continue;
        problems.push({
          path,
          message:
            `replica ${replica} of ${agentName} would listen on ${port}, ${owner} ` +
            '(replicas of an agent with a fixed port take the ports after it)',
        });
      }
    }
  }
  return problems;
}
