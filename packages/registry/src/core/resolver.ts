import type { CapabilityIndex, ProviderEntry } from './capability-index.js';
import { NO_CANARIES, heldBack, splittingCanary } from './canary.js';
import type { CanaryLookup } from './canary.js';
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

function providerRef(entry: ProviderEntry, weight?: number): ProviderRef {
  return {
    agent_id: entry.agentId,
    function_name: entry.tool.function_name,
    endpoint: entry.endpoint,
    status: 'available',
    ...(entry.tool.kwargs === undefined ? {} : { kwargs: entry.tool.kwargs }),
    version: entry.agentVersion,
    ...(weight === undefined ? {} : { weight }),
  };
}

function byAgentId(a: ProviderEntry, b: ProviderEntry): number {
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;
}

/** Replicas of `like` (same agent name and function) at `version`, other than `like` itself, by id. */
function replicasOf(
  qualified: readonly ProviderEntry[],
  like: ProviderEntry,
  version: string,
): ProviderEntry[] {
  return qualified
    .filter(
      (entry) =>
        entry.agentId !== like.agentId &&
        entry.agentName === like.agentName &&
        entry.agentVersion === version &&
        entry.tool.function_name === like.tool.function_name,
    )
    .sort(byAgentId);
}

/**
 * Resolves one dependency against the healthy providers of its capability. Matching is exact on
 * capability, then semver on the tool version, then tags; `providers` lists the winner's replicas
 * (same agent name, agent version and function) that satisfy the dependency themselves, so a runtime can
 * spread calls across them without reaching one whose tags or version the dependency rules out. Each
 * provider carries its tool's kwargs, as the winner does, so a consumer knows which replicas declared a call
 * safe to repeat, and its agent version.
 *
 * With a canary record for the winner's agent name (see canary.ts), the canary version never wins while
 * it takes less than every call, so consumers that read only the winner (the official SDKs) stay on the
 * stable version; our runtime reads `providers`, where the canary's replicas follow the stable ones and
 * every provider of both groups carries its group's `weight` (percent of calls).
 */
export function resolveDependency(
  dep: DependencySpec,
  index: CapabilityIndex,
  canaries: CanaryLookup = NO_CANARIES,
): ResolvedEntry {
  const tags = compileTags(dep.tags);
  const qualified: ProviderEntry[] = [];
  let best: Scored | undefined;
  let bestHeld: Scored | undefined;
  for (const entry of index.candidates(dep.capability)) {
    if (!satisfiesVersion(entry.tool.version, dep.version)) continue;
    const score = matchTags(entry.tool.tags, tags);
    if (score < 0) continue;
    qualified.push(entry);
    const scored = { entry, score };
    if (canaries.size > 0 && heldBack(canaries, entry.agentName, entry.agentVersion)) {
      // Wins only when nothing else qualifies: a lone canary still serves rather than leave it unresolved.
      if (bestHeld === undefined || better(scored, bestHeld)) bestHeld = scored;
    } else if (best === undefined || better(scored, best)) best = scored;
  }
  best ??= bestHeld;
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
  const replicas = replicasOf(qualified, winner, winner.agentVersion);
  const canary =
    canaries.size > 0 ? splittingCanary(canaries, winner.agentName, winner.agentVersion) : undefined;
  const canaryReplicas = canary === undefined ? [] : replicasOf(qualified, winner, canary.version);
  const stableWeight = canaryReplicas.length > 0 ? 100 - canary!.weight : undefined;
  return {
    agent_id: winner.agentId,
    function_name: winner.tool.function_name,
    endpoint: winner.endpoint,
    capability: dep.capability,
    status: 'available',
    ...(winner.tool.kwargs === undefined ? {} : { kwargs: winner.tool.kwargs }),
    providers: [
      providerRef(winner, stableWeight),
      ...replicas.map((entry) => providerRef(entry, stableWeight)),
      ...canaryReplicas.map((entry) => providerRef(entry, canary!.weight)),
    ],
  };
}

/**
 * `dependencies_resolved` for an agent: one key per tool that declares dependencies, each a positional
 * array with one entry per declared dependency (an unresolved one is a placeholder with empty provider fields).
 * An agent may resolve to its own tools.
 */
export function resolveAgent(
  tools: readonly ToolRecord[],
  index: CapabilityIndex,
  canaries: CanaryLookup = NO_CANARIES,
): DependenciesResolved {
  const result: DependenciesResolved = {};
  for (const tool of tools) {
    if (tool.dependencies.length === 0) continue;
    result[tool.function_name] = tool.dependencies.map((dep) => resolveDependency(dep, index, canaries));
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
