import type { Candidate } from './provider-pool.js';

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
