import type { Architecture } from '../architecture/load.js';

/** One mismatch between a deploy file and architecture.yml, with where it is. */
export interface DeployProblem {
  /** `path:line:col` in the deploy file. */
  readonly location: string;
  readonly message: string;
}

/** What a deploy file needs to know of an agent to list it. */
export interface DeployAgent {
  readonly name: string;
  readonly tier: string;
  /** Position of the tier in tier_order (0 = bottom). */
  readonly tierRank: number;
  readonly replicas: number;
  /** Agent names it calls (architecture.yml depends_on). */
  readonly dependsOn: readonly string[];
}

/**
 * The entry a new agent's entry goes after, so deploy files keep architecture.yml's tier order: the last entry
 * of an agent of the same or a lower tier; else the entry before the first agent of a higher tier; else the
 * last entry. Undefined for an empty list.
 */
export function entryToFollow<T>(
  entries: readonly { key: string; node: T }[],
  arch: Architecture,
  tierRank: number,
): T | undefined {
  const rankOf = (key: string): number | undefined => arch.agent(key)?.tierRank;
  let follow: T | undefined;
  for (const entry of entries) {
    const rank = rankOf(entry.key);
    if (rank !== undefined && rank <= tierRank) follow = entry.node;
  }
  if (follow !== undefined) return follow;
  const firstHigher = entries.findIndex((entry) => (rankOf(entry.key) ?? -1) > tierRank);
  if (firstHigher > 0) return entries[firstHigher - 1]!.node;
  return entries.at(-1)?.node;
}
