import type { Candidate, CandidateGroup } from './provider-pool.js';

/**
 * Power of two choices, least in-flight: pick two distinct usable candidates at random and take the less
 * loaded. Spreads load evenly across replicas and steers away from slow ones without global state.
 * Candidates in `exclude` (already tried this call) are skipped. `ignoreEjection` is the last resort when
 * every provider was recently ejected: trying one beats failing without trying.
 */
export function pickProvider(
  candidates: readonly Candidate[],
  exclude: ReadonlySet<string>,
  now: number,
  random: () => number = Math.random,
  ignoreEjection = false,
): Candidate | undefined {
  let usable: Candidate[] | undefined;
  const count = candidates.length;
  if (count === 1) {
    const only = candidates[0]!;
    return only.state.usable(now, ignoreEjection) && !exclude.has(only.state.agentId) ? only : undefined;
  }
  for (const candidate of candidates) {
    if (candidate.state.usable(now, ignoreEjection) && !exclude.has(candidate.state.agentId))
      (usable ??= []).push(candidate);
  }
  if (!usable) return undefined;
  if (usable.length === 1) return usable[0];
  const first = Math.floor(random() * usable.length);
  let second = Math.floor(random() * (usable.length - 1));
  if (second >= first) second += 1;
  const a = usable[first]!;
  const b = usable[second]!;
  return b.state.inFlight < a.state.inFlight ? b : a;
}

function hasUsable(
  candidates: readonly Candidate[],
  exclude: ReadonlySet<string>,
  now: number,
  ignoreEjection: boolean,
): boolean {
  for (const candidate of candidates)
    if (candidate.state.usable(now, ignoreEjection) && !exclude.has(candidate.state.agentId)) return true;
  return false;
}

/**
 * A canary split: picks a version group at random in proportion to its weight, among the groups that have a
 * usable candidate not excluded (so a failover or retry moves to the other version once one is exhausted),
 * then power of two choices within it. Undefined when no weighted group has one.
 */
export function pickWeighted(
  groups: readonly CandidateGroup[],
  exclude: ReadonlySet<string>,
  now: number,
  random: () => number = Math.random,
  ignoreEjection = false,
): Candidate | undefined {
  let total = 0;
  for (const group of groups)
    if (group.weight > 0 && hasUsable(group.candidates, exclude, now, ignoreEjection)) total += group.weight;
  if (total <= 0) return undefined;
  let point = random() * total;
  let last: CandidateGroup | undefined;
  for (const group of groups) {
    if (group.weight <= 0 || !hasUsable(group.candidates, exclude, now, ignoreEjection)) continue;
    last = group;
    point -= group.weight;
    if (point < 0) break;
  }
  return pickProvider(last!.candidates, exclude, now, random, ignoreEjection);
}

/**
 * What a dependency call picks from: by weight first while a canary splits the providers, then (or
 * otherwise) power of two choices over every candidate, a weight-0 group included as the last resort.
 */
export function pickBalanced(
  candidates: readonly Candidate[],
  groups: readonly CandidateGroup[] | undefined,
  exclude: ReadonlySet<string>,
  now: number,
  random: () => number = Math.random,
  ignoreEjection = false,
): Candidate | undefined {
  return (
    (groups === undefined ? undefined : pickWeighted(groups, exclude, now, random, ignoreEjection)) ??
    pickProvider(candidates, exclude, now, random, ignoreEjection)
  );
}
