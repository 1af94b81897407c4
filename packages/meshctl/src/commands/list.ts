import { isConsumerCapabilityOf } from '@mesh/trust';
import type { AgentInfo } from '../registry-client.js';
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

/** `meshctl list`: one row per registered agent instance (replicas are separate rows). */
export function formatAgentList(agents: readonly AgentInfo[], now = Date.now()): string {
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
  return `${renderTable(['NAME', 'ID', 'STATUS', 'ENDPOINT', 'TOOLS', 'DEPS', 'LAST SEEN'], rows)}\n\n${agents.length} instances, ${healthy} healthy`;
}
