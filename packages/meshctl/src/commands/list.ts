import { isConsumerCapabilityOf } from '@mesh/trust';
import type { AgentInfo, CanaryInfo } from '../registry-client.js';
import { renderTable } from '../table.js';

function age(iso: string | undefined, now: number): string {
  if (iso === undefined) return '';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  return ms < 1000
    ? 'now'
    : ms < 120_000
      ? `${Math.round(ms / 1000)}s ago`
      : `${Math.round(ms / 60_000)}m ago`;
}

/** At most three tool names, then a count, so the table stays readable; --json has them all. */
function tools(names: readonly string[]): string {
  if (names.length === 0) return '-';
  return names.length <= 3 ? names.join(',') : `${names.slice(0, 3).join(',')} +${names.length - 3}`;
}

/**
 * The agent's real tools: the runtime registers an agent's consumer-only dependencies (`agent.consumer`) under
 * a pseudo tool (`api_gateway_consumer_1`), which nobody can call.
 */
function realTools(agent: AgentInfo): string[] {
  return agent.capabilities
    .filter((c) => !isConsumerCapabilityOf(agent.name, c.name))
    .map((c) => c.function_name);
}

/**
 * `resolved/declared` over distinct capabilities: several tools (or a tool and a consumer group) may declare the
 * same one, and the registry counts each declaration. A capability counts as resolved when every declaration
 * of it is. Without resolutions listed, the registry's own counts.
 */
function dependencyCount(agent: AgentInfo): string {
  const resolutions = agent.dependency_resolutions ?? [];
  if (resolutions.length === 0) return `${agent.dependencies_resolved}/${agent.total_dependencies}`;
  const resolved = new Map<string, boolean>();
  for (const r of resolutions)
    resolved.set(r.capability, (resolved.get(r.capability) ?? true) && r.status === 'available');
  return `${[...resolved.values()].filter(Boolean).length}/${resolved.size}`;
}

/** One line per canary: its version and weight beside the other versions registered under the name. */
function canaryLines(agents: readonly AgentInfo[], canaries: readonly CanaryInfo[]): string[] {
  return canaries.map((canary) => {
    const others = new Set(
      agents
        .filter(
          (a) => a.name === canary.agent_name && a.version !== undefined && a.version !== canary.version,
        )
        .map((a) => a.version!),
    );
    const stable = others.size === 0 ? '' : ` (${[...others].join(', ')} at ${100 - canary.weight} %)`;
    return `  ${canary.agent_name}: ${canary.version} at ${canary.weight} %${stable}`;
  });
}

/** `meshctl list`: one row per registered agent instance (replicas are separate rows), then any canaries. */
export function formatAgentList(
  agents: readonly AgentInfo[],
  now = Date.now(),
  canaries: readonly CanaryInfo[] = [],
): string {
  if (agents.length === 0) return 'No agents registered.';
  const rows = [...agents]
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    .map((a) => [
      a.name,
      a.id,
      a.status,
      a.endpoint,
      tools(realTools(a)),
      dependencyCount(a),
      age(a.last_seen, now),
    ]);
  const healthy = agents.filter((a) => a.status === 'healthy').length;
  const table = renderTable(['NAME', 'ID', 'STATUS', 'ENDPOINT', 'TOOLS', 'DEPS', 'LAST SEEN'], rows);
  const summary = `${table}\n\n${agents.length} instances, ${healthy} healthy`;
  return canaries.length === 0
    ? summary
    : [summary, 'Canaries:', ...canaryLines(agents, canaries)].join('\n');
}
