import { existsSync } from 'node:fs';
import type { Architecture } from '../architecture/load.js';
import type { Command } from '../cli/command.js';
import { dockerContainers, describeContainers } from '../docker/docker-commands.js';
import { composeRecordOf } from '../docker/docker-state.js';
import { isRunning, liveProcesses, readState } from '../local/state.js';
import type { AgentInfo, RegistryClient } from '../registry-client.js';
import {
  formatProcessTable,
  formatStatusSummary,
  summarizeStatus,
  type AgentStatus,
} from './status-summary.js';

export interface StatusOptions {
  readonly registry: Pick<RegistryClient, 'baseUrl' | 'health' | 'agents'>;
  readonly archFile: string;
  readonly arch: () => Architecture;
  readonly root: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly json: boolean;
  readonly log: (line: string) => void;
}

/**
 * `meshctl status`: ready replicas per agent from the registry (see AgentStatus for the rules), then what runs
 * where: every local process with whether it still runs, or the containers of a Docker mesh with their health.
 * Non-zero when anything is degraded, down or unreachable.
 */
export async function showStatus(options: StatusOptions): Promise<number> {
  const state = readState(options.home);
  const containers = state?.mode === 'docker' ? await dockerContainers(state, options) : undefined;
  const docker =
    state && containers ? describeContainers(composeRecordOf(state).project, containers) : undefined;
  const processes = state?.mode === 'local' ? state.processes : [];
  let registry: { health: Record<string, unknown>; summary: AgentStatus[] } | { error: string };
  try {
    const health = await options.registry.health();
    const agents: AgentInfo[] = await options.registry.agents();
    const expected = new Map<string, number>();
    if (existsSync(options.archFile)) for (const a of options.arch().agents) expected.set(a.name, a.replicas);
    registry = { health, summary: summarizeStatus(agents, expected, processes) };
  } catch (error: unknown) {
    // Without a Docker mesh to describe, an unreachable registry is the whole answer.
    if (docker === undefined) throw error;
    registry = { error: error instanceof Error ? error.message : String(error) };
  }
  const running = liveProcesses(state).length;
  const registryOk = 'summary' in registry && registry.summary.every((s) => s.ok);
  const ok = registryOk && (docker?.ok ?? true) && running === processes.length;
  if (options.json) {
    const registryJson =
      'summary' in registry
        ? { url: options.registry.baseUrl, ...registry.health }
        : { url: options.registry.baseUrl, error: registry.error };
    options.log(
      JSON.stringify(
        {
          registry: registryJson,
          ...(state?.profile === undefined ? {} : { profile: state.profile }),
          agents: 'summary' in registry ? registry.summary : [],
          ...(state?.mode === 'local'
            ? {
                processes: processes.map((p) => ({
                  kind: p.kind,
                  name: p.name,
                  replica: p.replica,
                  pid: p.pid,
                  url: p.url,
                  running: isRunning(p),
                })),
              }
            : {}),
          ...(containers ? { containers } : {}),
          ok,
        },
        null,
        2,
      ),
    );
    return ok ? 0 : 1;
  }
  if (state?.profile !== undefined) options.log(`Profile: ${state.profile} (architecture.yml profiles)`);
  if ('summary' in registry) {
    options.log(`Registry ${options.registry.baseUrl}: ${String(registry.health['status'] ?? 'unknown')}`);
    options.log(formatStatusSummary(registry.summary));
  } else {
    options.log(`Registry ${options.registry.baseUrl}: unreachable (${registry.error})`);
  }
  if (docker) {
    options.log('');
    options.log(docker.text);
  } else if (state) {
    options.log(`\nLocal processes (${running}/${processes.length} running):`);
    options.log(formatProcessTable(processes, state.root));
  }
  return ok ? 0 : 1;
}

export const statusCommand: Command = {
  name: 'status',
  help: [
    {
      usage: 'status [--json]',
      summary: `ready replicas per agent (required dependencies resolved; stale registrations
ignored), each missing dependency by name, and every local process, a dead one
as DOWN; the profile the mesh was started with; non-zero when anything is
degraded or down`,
    },
  ],
  run(ctx) {
    return showStatus({
      registry: ctx.registry(),
      archFile: ctx.archFile,
      arch: () => ctx.arch(),
      root: ctx.root,
      home: ctx.home,
      env: ctx.env,
      json: ctx.values.json ?? false,
      log: ctx.print,
    });
  },
};
