import type { AgentState } from './agent-state.js';
import type { DependenciesResolved } from './types.js';

/** The part of an `AgentInfo` that only changes with topology; cached as JSON text per agent. */
function stableInfo(state: AgentState, resolved: DependenciesResolved): Record<string, unknown> {
  const record = state.record;
  let total = 0;
  let resolvedCount = 0;
  const resolutions: Record<string, unknown>[] = [];
  for (const tool of record.tools) {
    const entries = resolved[tool.function_name] ?? [];
    tool.dependencies.forEach((dep, i) => {
      total += 1;
      const entry = entries[i];
      const flatTags = dep.tags.flatMap((tag) => (typeof tag === 'string' ? [tag] : tag));
      // Our extension: which edges are required, so `meshctl status` degrades only on those.
      const required = dep.required === true ? { required: true } : {};
      if (entry !== undefined && entry.status === 'available' && 'agent_id' in entry) {
        resolvedCount += 1;
        resolutions.push({
          function_name: tool.function_name,
          capability: dep.capability,
          tags: flatTags,
          mcp_tool: entry.function_name,
          provider_agent_id: entry.agent_id,
          endpoint: entry.endpoint,
          status: 'available',
          ...required,
        });
      } else {
        resolutions.push({
          function_name: tool.function_name,
          capability: dep.capability,
          tags: flatTags,
          status: 'unresolved',
          ...required,
        });
      }
    });
  }
  return {
    id: record.agent_id,
    name: record.name,
    agent_type: record.agent_type,
    ...(record.runtime === undefined ? {} : { runtime: record.runtime }),
    description: record.description,
    endpoint: record.endpoint,
    version: record.version,
    capabilities: record.tools.map((tool) => ({
      name: tool.capability,
      version: tool.version,
      function_name: tool.function_name,
      tags: tool.tags,
      ...(tool.description === undefined ? {} : { description: tool.description }),
    })),
    total_dependencies: total,
    dependencies_resolved: resolvedCount,
    dependency_resolutions: resolutions,
  };
}

interface CachedInfo {
  readonly record: AgentState['record'];
  readonly resolvedJson: string;
  readonly json: string;
}

const cache = new WeakMap<AgentState, CachedInfo>();

/**
 * One `AgentInfo` (spec shape) as JSON text. The topology part is cached per agent and reused until the
 * record or its resolution changes; status and times are appended fresh.
 */
export function agentInfoJson(
  state: AgentState,
  resolved: DependenciesResolved,
  resolvedJson: string,
): string {
  let cached = cache.get(state);
  if (cached === undefined || cached.record !== state.record || cached.resolvedJson !== resolvedJson) {
    const json = JSON.stringify(stableInfo(state, resolved));
    cached = { record: state.record, resolvedJson, json: json.slice(0, -1) };
    cache.set(state, cached);
  }
  const record = state.record;
  return (
    `${cached.json},"status":"${record.status}","created_at":"${new Date(record.created_at).toISOString()}",` +
    `"last_seen":"${new Date(record.last_seen).toISOString()}"}`
  );
}
