import { existsSync } from 'node:fs';
import type { Architecture } from '../architecture/load.js';
import type { Command } from '../cli/command.js';
import { dockerContainers, describeContainers } from '../docker/docker-commands.js';
import { composeRecordOf } from '../docker/docker-state.js';
import { liveProcesses, readState } from '../local/state.js';
import { formatStateTable } from '../local/up.js';
import type { RegistryClient, AgentInfo } from '../registry-client.js';
import { formatSummary, summarizeAgents, type AgentSummary } from './list.js';

export interface StatusOptions {
  readonly registry: RegistryClient;
  readonly archFile: string;
  readonly arch: () => Architecture;
  readonly root: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly json: boolean;
  readonly log: (line: string) => void;
}

/**
 * `meshctl status`: healthy replicas per agent from the registry, then what runs where: the local processes,
 * or the containers of a Docker mesh with their health. Non-zero when anything is degraded or unreachable.
 */
export async function showStatus(options: StatusOptions): Promise<number> {
  const state = readState(options.home);
  const containers = state?.mode === 'docker' ? await dockerContainers(state, options) : undefined;
  const docker =
    state && containers ? describeContainers(composeRecordOf(state).project, containers) : undefined;
  let registry: { health: Record<string, unknown>; summary: AgentSummary[] } | { error: string };
  try {
    const health = await options.registry.health();
    const agents: AgentInfo[] = await options.registry.agents();
    const expected = new Map<string, number>();
    if (existsSync(options.archFile)) for (const a of options.arch().agents) expected.set(a.name, a.replicas);
    registry = { health, summary: summarizeAgents(agents, expected) };
  } catch (error: unknown) {
    // Without a Docker mesh to describe, an unreachable registry is the whole answer.
    if (docker === undefined) throw error;
    registry = { error: error instanceof Error ? error.message : String(error) };
  }
  const registryOk = 'summary' in registry && registry.summary.every((s) => s.ok);
  const ok = registryOk && (docker?.ok ?? true);
  if (options.json) {
    const registryJson =
      'summary' in registry
        ? { url: options.registry.baseUrl, ...registry.health }
        : { url: options.registry.baseUrl, error: registry.error };
    options.log(
      JSON.stringify(
        {
          registry: registryJson,
          agents: 'summary' in registry ? registry.summary : [],
          ...(containers ? { containers } : {}),
          ok,
        },
        null,
        2,
      ),
    );
    return ok ? 0 : 1;
  }
  if ('summary' in registry) {
    options.log(`Registry ${options.registry.baseUrl}: ${String(registry.health['status'] ?? 'unknown')}`);
    options.log(formatSummary(registry.summary));
  } else {
    options.log(`Registry ${options.registry.baseUrl}: unreachable (${registry.error})`);
  }
  if (docker) {
    options.log('');
    options.log(docker.text);
  } else if (state) {
    const live = new Set(liveProcesses(state).map((p) => p.pid));
    options.log(`\nLocal processes (${live.size}/${state.processes.length} running):`);
    options.log(formatStateTable({ ...state, processes: state.processes.filter((p) => live.has(p.pid)) }));
  }
  return ok ? 0 : 1;
}

export const statusCommand: Command = {
  name: 'status',
  help: [
    {
      usage: 'status [--json]',
      summary: 'registry health and healthy replicas per agent; non-zero when degraded',
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
