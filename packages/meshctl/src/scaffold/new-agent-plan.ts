import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MeshError } from '@mesh/common';
import type { Architecture } from '../architecture/load.js';
import type { DeployAgent } from '../deploy/deploy-agent.js';
import { parseAgentName, type AgentName } from './agent-name.js';

/** What `meshctl new agent` was asked for, as typed. */
export interface NewAgentRequest {
  readonly name: string;
  readonly tier: string | undefined;
  /** Capabilities the agent calls, comma-separated. */
  readonly depends: string | undefined;
  readonly replicas: string | undefined;
  readonly description: string | undefined;
}

/** One capability the new agent calls and the agents that provide it. */
export interface PlannedDependency {
  readonly capability: string;
  readonly providers: readonly string[];
}

/** A validated request: everything the template and the deploy files need. */
export interface NewAgentPlan {
  readonly name: AgentName;
  readonly tier: string;
  readonly tierRank: number;
  readonly replicas: number;
  readonly description: string;
  /** The capability (and tool) of its example tool: `shipping_hello`. */
  readonly capability: string;
  readonly dependencies: readonly PlannedDependency[];
  /** Agent names it depends on (architecture.yml depends_on), in the order the capabilities were given. */
  readonly dependsOn: readonly string[];
}

/** The tier holding the public HTTP entry: its agents serve users, not MCP, and meshctl does not write one. */
const EDGE_TIER = 'edge';

function parseTier(arch: Architecture, tier: string | undefined): { tier: string; rank: number } {
  if (tier === undefined || tier === '')
    throw new MeshError('UNKNOWN_TIER', `--tier is required: one of ${arch.tierOrder.join(', ')}`);
  const rank = arch.tierOrder.indexOf(tier);
  if (rank < 0)
    throw new MeshError(
      'UNKNOWN_TIER',
      `unknown tier "${tier}": architecture.yml's tier_order has ${arch.tierOrder.join(', ')}`,
    );
  if (tier === EDGE_TIER)
    throw new MeshError(
      'UNSUPPORTED_TIER',
      `the ${EDGE_TIER} tier holds the public HTTP entry (api-gateway), which meshctl new does not write: ` +
        `choose one of ${arch.tierOrder.filter((t) => t !== EDGE_TIER).join(', ')}`,
    );
  return { tier, rank };
}

function parseReplicas(replicas: string | undefined): number {
  if (replicas === undefined) return 1;
  const count = Number(replicas);
  if (!/^\d+$/.test(replicas) || count < 1 || count > 20)
    throw new MeshError(
      'INVALID_REPLICAS',
      `--replicas must be a whole number from 1 to 20, got "${replicas}"`,
    );
  return count;
}

/** Each capability's providers; refuses unknown ones, restricted ones and providers of a higher tier. */
function planDependencies(
  arch: Architecture,
  agentName: string,
  tierRank: number,
  depends: string | undefined,
): PlannedDependency[] {
  const capabilities = [
    ...new Set(
      (depends ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== ''),
    ),
  ];
  return capabilities.map((capability) => {
    const providers = arch.agents.filter((agent) => agent.provides.includes(capability));
    if (providers.length === 0) {
      const known = [...new Set(arch.agents.flatMap((agent) => agent.provides))].sort();
      throw new MeshError(
        'UNKNOWN_CAPABILITY',
        `no agent of architecture.yml provides "${capability}"; capabilities: ${known.join(', ')}`,
      );
    }
    for (const provider of providers) {
      const allowed = provider.restricted[capability];
      if (allowed !== undefined && !allowed.includes(agentName))
        throw new MeshError(
          'CAPABILITY_RESTRICTED',
          `${provider.name} lets only ${allowed.length === 0 ? 'the operator' : allowed.join(', ')} call ` +
            `${capability} (architecture.yml restricted): a new agent's call would be refused`,
        );
      if (provider.tierRank > tierRank)
        throw new MeshError(
          'TIER_ORDER',
          `${capability} comes from ${provider.name} in the higher tier ${provider.tier}: an agent may ` +
            `depend only on its own tier or lower ones (choose --tier ${provider.tier} or higher)`,
        );
    }
    return { capability, providers: providers.map((provider) => provider.name) };
  });
}

/**
 * Validates a `meshctl new agent` request against architecture.yml and the tree; throws a MeshError with a
 * code (INVALID_AGENT_NAME, AGENT_EXISTS, UNKNOWN_TIER, UNSUPPORTED_TIER, INVALID_REPLICAS, UNKNOWN_CAPABILITY,
 * CAPABILITY_RESTRICTED, TIER_ORDER) and a sentence saying what to do, before anything is written.
 */
export function planNewAgent(arch: Architecture, root: string, request: NewAgentRequest): NewAgentPlan {
  const name = parseAgentName(request.name);
  if (arch.agent(name.agent) !== undefined)
    throw new MeshError('AGENT_EXISTS', `architecture.yml already declares ${name.agent}`);
  if (existsSync(join(root, name.packageDir)))
    throw new MeshError('AGENT_EXISTS', `${name.packageDir} already exists`);
  const { tier, rank } = parseTier(arch, request.tier);
  const replicas = parseReplicas(request.replicas);
  const dependencies = planDependencies(arch, name.agent, rank, request.depends);
  const capability = `${name.snake}_hello`;
  if (arch.agents.some((agent) => agent.provides.includes(capability)))
    throw new MeshError('AGENT_EXISTS', `another agent already provides ${capability}`);
  return {
    name,
    tier,
    tierRank: rank,
    replicas,
    description:
      request.description?.replace(/\s+/g, ' ').trim() ||
      `${name.agent}: greets callers (a new agent; describe it here)`,
    capability,
    dependencies,
    dependsOn: [...new Set(dependencies.flatMap((dependency) => dependency.providers))],
  };
}

/** What the deploy files need of the plan. */
export function deployAgentOf(plan: NewAgentPlan): DeployAgent {
  return {
    name: plan.name.agent,
    tier: plan.tier,
    tierRank: plan.tierRank,
    replicas: plan.replicas,
    dependsOn: plan.dependsOn,
  };
}
