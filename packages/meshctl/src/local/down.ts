import { rmSync } from 'node:fs';
import { buildGraph, startWaves } from '../graph/dependency-graph.js';
import { stopProcesses } from './processes.js';
import { isRunning, readState, statePath, writeState, type ProcessRecord } from './state.js';

export interface StopOptions {
  graceMs: number;
  /** Only these names (agents or infrastructure); default everything. */
  names?: readonly string[];
  /** Only these pids; default everything selected by name. */
  pids?: readonly number[];
  /**
   * Agent names in the order to stop them, a group at a time (consumers first: see `stopWaves`). Agents named
   * in no group stop with the first one. Without it, every agent stops at once.
   */
  waves?: readonly (readonly string[])[];
  log: (line: string) => void;
}

/**
 * The stop order for an architecture's agents: its start waves reversed, so each agent stops while what it
 * depends on still runs (the gateway first, then the order agent finishing its orders and their confirmation
 * emails, and the database agent last).
 */
export function stopWaves(agents: readonly { name: string; depends_on: readonly string[] }[]): string[][] {
  const names = new Set(agents.map((agent) => agent.name));
  return startWaves(
    buildGraph(agents.map((agent) => [agent.name, agent.depends_on.filter((d) => names.has(d))])),
  ).reverse();
}

/** Splits the agents to stop into the groups of `waves`, keeping only non-empty groups. */
function agentGroups(
  agents: readonly ProcessRecord[],
  waves: readonly (readonly string[])[] | undefined,
): ProcessRecord[][] {
  if (waves === undefined) return [[...agents]];
  const waveOf = new Map<string, number>();
  waves.forEach((wave, index) => wave.forEach((name) => waveOf.set(name, index)));
  const groups: ProcessRecord[][] = waves.map(() => []);
  for (const agent of agents) (groups[waveOf.get(agent.name) ?? 0] ??= []).push(agent);
  return groups.filter((group) => group.length > 0);
}

/**
 * Stops what the local orchestrator started: agents first (they deregister from the registry on SIGTERM and
 * close their pools), in `waves` when given, then infrastructure and the registry. Each group: SIGTERM, a
 * bounded wait, then SIGKILL of the process group. Removes the state file once nothing is left.
 */
export async function stopMesh(home: string, options: StopOptions): Promise<ProcessRecord[]> {
  const state = readState(home);
  if (!state) {
    options.log('Nothing to stop: no mesh state found.');
    return [];
  }
  if (state.mode === 'docker') {
    // Its containers are compose's to stop (bin/meshctl down); never drop the state that finds them.
    options.log('The mesh runs in Docker: bin/meshctl down (or ./scripts/stop-multi-agent.sh) stops it.');
    return [];
  }
  const selected = state.processes.filter(
    (p) =>
      (options.names === undefined || options.names.includes(p.name)) &&
      (options.pids === undefined || options.pids.includes(p.pid)),
  );
  const agents = selected.filter((p) => p.kind === 'agent');
  const rest = selected.filter((p) => p.kind !== 'agent');
  for (const group of [...agentGroups(agents, options.waves), rest]) {
    if (group.length === 0) continue;
    const killed = await stopProcesses(group, options.graceMs);
    for (const p of group) {
      const how = killed.includes(p.pid) ? 'killed after the grace period' : 'stopped';
      options.log(`${p.name}${p.kind === 'agent' ? ` #${p.replica}` : ''} (pid ${p.pid}) ${how}`);
    }
  }
  const stopped = new Set(selected.map((p) => p.pid));
  state.processes = state.processes.filter((p) => !stopped.has(p.pid) && isRunning(p));
  if (state.processes.length === 0) rmSync(statePath(home), { force: true });
  else writeState(home, state);
  return selected;
}
