import { rmSync } from 'node:fs';
import { stopPids } from './processes.js';
import { isAlive, readState, statePath, writeState, type ProcessRecord } from './state.js';

export interface StopOptions {
  graceMs: number;
  /** Only these names (agents or infrastructure); default everything. */
  names?: readonly string[];
  /** Only these pids; default everything selected by name. */
  pids?: readonly number[];
  log: (line: string) => void;
}

/**
 * Stops what the local orchestrator started: agents first (they deregister from the registry on SIGTERM and
 * close their pools), then infrastructure and the registry. SIGTERM, a bounded wait, then SIGKILL of the
 * process group. Removes the state file once nothing is left.
 */
export async function stopMesh(home: string, options: StopOptions): Promise<ProcessRecord[]> {
  const state = readState(home);
  if (!state) {
    options.log('Nothing to stop: no mesh state found.');
    return [];
  }
  const selected = state.processes.filter(
    (p) =>
      (options.names === undefined || options.names.includes(p.name)) &&
      (options.pids === undefined || options.pids.includes(p.pid)),
  );
  const agents = selected.filter((p) => p.kind === 'agent');
  const rest = selected.filter((p) => p.kind !== 'agent');
  for (const group of [agents, rest]) {
    if (group.length === 0) continue;
    const killed = await stopPids(
      group.map((p) => p.pid),
      options.graceMs,
    );
    for (const p of group) {
      const how = killed.includes(p.pid) ? 'killed after the grace period' : 'stopped';
      options.log(`${p.name}${p.kind === 'agent' ? ` #${p.replica}` : ''} (pid ${p.pid}) ${how}`);
    }
  }
  const stopped = new Set(selected.map((p) => p.pid));
  state.processes = state.processes.filter((p) => !stopped.has(p.pid) && isAlive(p.pid));
  if (state.processes.length === 0) rmSync(statePath(home), { force: true });
  else writeState(home, state);
  return selected;
}
