import { registerAll } from './workload.js';

/** How many of the bench's agents a registry lists as not healthy (or not at all), and their bodies. */
async function notHealthy(url: string, bodies: readonly string[]): Promise<string[]> {
  const response = await fetch(`${url}/agents`);
  if (response.status !== 200) throw new Error(`GET /agents answered ${response.status}`);
  const listing = (await response.json()) as { agents?: { id: string; status: string }[] };
  const healthy = new Set(
    (listing.agents ?? []).filter((agent) => agent.status === 'healthy').map((agent) => agent.id),
  );
  return bodies.filter((_body, i) => !healthy.has(`bench-agent-${i}`));
}

/**
 * Before a HEAD phase: re-registers every bench agent the registry does not list as healthy, so the phase
 * measures heartbeats of live agents (a registry answers 410 to an agent it expired, which is no latency
 * figure). Returns how many it re-registered; with the bench's health timeout that should be none.
 */
export async function reRegisterUnhealthy(url: string, bodies: readonly string[]): Promise<number> {
  const stale = await notHealthy(url, bodies);
  if (stale.length > 0) await registerAll(url, stale);
  return stale.length;
}
