import type { ConnectionOptions } from 'node:tls';
import type { Architecture } from '../architecture/load.js';
import { stopMesh } from '../local/down.js';
import { Launcher } from '../local/launcher.js';
import { rollingRestart } from '../local/rolling-restart.js';
import { liveProcesses, readState } from '../local/state.js';
import type { ProcessRecord } from '../local/state.js';
import type { UpOptions } from '../local/up.js';
import { ensureLocalTls } from '../tls/local-tls.js';

/** The variable a replica's registered version comes from (the runtime validates it as semver). */
export const VERSION_ENV = 'MCP_MESH_AGENT_VERSION';

type LocalOptions = Omit<UpOptions, 'agents'>;

/** Live local replicas of an agent. */
export function localReplicas(home: string, agentName: string): ProcessRecord[] {
  return liveProcesses(readState(home)).filter((p) => p.kind === 'agent' && p.name === agentName);
}

/** Replicas started with `version` (the canary's), or, with `not`, all the others. */
export function replicasAt(records: readonly ProcessRecord[], version: string, not = false): ProcessRecord[] {
  return records.filter((p) => (p.env[VERSION_ENV] === version) !== not);
}

/**
 * Starts one more local replica of an agent that registers `version`, beside the running ones, and waits
 * until it is ready. The canary record must be set first, or this replica could take every call.
 */
export async function startCanaryReplica(
  arch: Architecture,
  options: LocalOptions,
  agentName: string,
  version: string,
): Promise<ProcessRecord> {
  const state = readState(options.home);
  if (state === undefined || state.mode !== 'local' || liveProcesses(state).length === 0)
    throw new Error('a canary replica joins a running local mesh: start it first (meshctl up)');
  const agent = arch.agent(agentName);
  if (agent === undefined) throw new Error(`unknown agent ${agentName} (not in ${arch.file})`);
  if (agent.port !== undefined)
    throw new Error(`${agentName} listens on a fixed port (${agent.port}): a second version cannot share it`);
  const tls = state.tls
    ? (await ensureLocalTls(arch, options.root, options.home, options.env)).tls
    : undefined;
  const launcher = new Launcher(arch, { ...options, ...(tls ? { tls } : {}) }, state);
  const replica =
    Math.max(0, ...state.processes.filter((p) => p.name === agentName).map((p) => p.replica)) + 1;
  const [record] = await launcher.startAgent({ ...agent, env: { ...agent.env, [VERSION_ENV]: version } }, [
    replica,
  ]);
  if (record === undefined) throw new Error(`${agentName}: the canary replica was not recorded`);
  return record;
}

/** Stops replicas gracefully (they deregister first, so callers move away) and forgets them. */
export async function stopReplicas(
  home: string,
  records: readonly ProcessRecord[],
  log: (line: string) => void,
): Promise<void> {
  if (records.length === 0) return;
  await stopMesh(home, { graceMs: 15_000, pids: records.map((p) => p.pid), log });
}

/**
 * Replaces replicas one at a time, without a gap, by successors that register `version` (a promotion: the
 * stable replicas become the new version while the canary takes every call).
 */
export async function replaceWithVersion(
  records: readonly ProcessRecord[],
  version: string,
  options: LocalOptions & { probeTls: ConnectionOptions | undefined },
): Promise<ProcessRecord[]> {
  return rollingRestart(
    records.map((p) => ({ ...p, env: { ...p.env, [VERSION_ENV]: version } })),
    {
      home: options.home,
      root: options.root,
      env: options.env,
      timeoutMs: options.timeoutMs,
      log: options.log,
      probeTls: options.probeTls,
    },
  );
}
