import type { CapabilityIndex, ProviderEntry } from './capability-index.js';
import { compareVersionsDesc, satisfiesVersion } from './semver.js';
import { compileTags, matchTags } from './tag-matcher.js';
import type {
  DependenciesResolved,
  DependencySpec,
  ProviderRef,
  ResolvedEntry,
  ToolRecord,
} from './types.js';

interface Scored {
  readonly entry: ProviderEntry;
  readonly score: number;
}

/** Winner first: tag score, then highest version, then agent_id (then function_name for determinism). */
function better(a: Scored, b: Scored): boolean {
  if (a.score !== b.score) return a.score > b.score;
  const byVersion = compareVersionsDesc(a.entry.tool.version, b.entry.tool.version);
  if (byVersion !== 0) return byVersion < 0;
  if (a.entry.agentId !== b.entry.agentId) return a.entry.agentId < b.entry.agentId;
  return a.entry.tool.function_name < b.entry.tool.function_name;
}

function providerRef(entry: ProviderEntry): ProviderRef {
  return {
    agent_id: entry.agentId,
    function_name: entry.tool.function_name,
    endpoint: entry.endpoint,
    status: 'available',
    ...(entry.tool.kwargs === undefined ? {} : { kwargs: entry.tool.kwargs }),
  };
}

/**
 * Resolves one dependency against the healthy providers of its capability. Matching is exact on
 * capability, then semver on the tool version, then tags; `providers` lists the winner's replicas
 * (same agent name, agent version and function) that satisfy the dependency themselves, so a runtime can
 * spread calls across them without reaching one whose tags or version the dependency rules out. Each
 * provider carries its tool's kwargs, as the winner does, so a consumer knows which replicas declared a call
 * safe to repeat.
 */
export function resolveDependency(dep: DependencySpec, index: CapabilityIndex): ResolvedEntry {
  const tags = compileTags(dep.tags);
  const qualified: ProviderEntry[] = [];
  let best: Scored | undefined;
  for (const entry of index.candidates(dep.capability)) {
    if (!satisfiesVersion(entry.tool.version, dep.version)) continue;
    const score = matchTags(entry.tool.tags, tags);
    if (score < 0) continue;
    qualified.push(entry);
    const scored = { entry, score };
    if (best === undefined || better(scored, best)) best = scored;
  }
  if (best === undefined) {
    return {
      agent_id: '',
      function_name: '',
      endpoint: '',
      capability: dep.capability,
      status: 'unresolved',
    };
  }
  const winner = best.entry;
  const replicas = qualified
    .filter(
      (entry) =>
        entry.agentId !== winner.agentId &&
        entry.agentName === winner.agentName &&
        entry.agentVersion === winner.agentVersion &&
        entry.tool.function_name === winner.tool.function_name,
    )
    .sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
  return {
    agent_id: winner.agentId,
    function_name: winner.tool.function_name,
    endpoint: winner.endpoint,
    capability: dep.capability,
    status: 'available',
    ...(winner.tool.kwargs === undefined ? {} : { kwargs: winner.tool.kwargs }),
    providers: [providerRef(winner), ...replicas.map(providerRef)],
  };
}

/**
 * `dependencies_resolved` for an agent: one key per tool that declares dependencies, each a positional
 * array with one entry per declared dependency (an unresolved one is a placeholder with empty provider fields).
 * An agent may resolve to its own tools.
 */
export function resolveAgent(tools: readonly ToolRecord[], index: CapabilityIndex): DependenciesResolved {
  const result: DependenciesResolved = {};
  for (const tool of tools) {
    if (tool.dependencies.length === 0) continue;
    result[tool.function_name] = tool.dependencies.map((dep) => resolveDependency(dep, index));
  }
  return result;
}

/** How many of an agent's declared dependencies currently resolve (for `GET /agents`). */
export function countResolved(resolved: DependenciesResolved): number {
  let count = 0;
  for (const entries of Object.values(resolved)) {
    for (const entry of entries) if (entry.status === 'available') count += 1;
  }
  return count;
}
