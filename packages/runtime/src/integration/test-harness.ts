import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startNode, waitFor, waitForHttp } from '@mesh/testkit';
import type { StartedProcess } from '@mesh/testkit';

const here = dirname(fileURLToPath(import.meta.url));
/** The built fixture provider (integration tests run against dist, as deployments do). */
export const echoProviderScript = join(here, '..', '..', 'dist', 'fixtures', 'echo-provider.js');

export function registryMainScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@mesh/registry')), 'main.js');
}

export interface RegistryProcess {
  url: string;
  port: number;
  process: StartedProcess;
}

/** Starts our registry as a process on loopback (in memory), on `port` when given (restarts). */
export async function startRegistry(port?: number): Promise<RegistryProcess> {
  const chosen = port ?? (await freePort());
  const process = startNode(registryMainScript(), [], {
    env: {
      MCP_MESH_REGISTRY_HOST: '127.0.0.1',
      MCP_MESH_REGISTRY_PORT: String(chosen),
      MCP_MESH_LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${chosen}`;
  await waitForHttp(`${url}/health`, { status: 200, timeoutMs: 45_000 });
  return { url, port: chosen, process };
}

export interface ProviderProcess {
  agentId: string;
  url: string;
  process: StartedProcess;
}

/** Starts one echo provider replica and waits until it is registered (/ready 200). */
export async function startEchoProvider(
  registryUrl: string,
  agentId: string,
  env: Record<string, string> = {},
): Promise<ProviderProcess> {
  const port = await freePort();
  const process = startNode(echoProviderScript, [], {
    env: {
      MCP_MESH_REGISTRY_URL: registryUrl,
      MCP_MESH_AGENT_ID: agentId,
      MCP_MESH_HTTP_PORT: String(port),
      MCP_MESH_HEALTH_INTERVAL: '1s',
      MCP_MESH_LOG_LEVEL: 'warn',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/ready`, { status: 200, timeoutMs: 45_000 });
  } catch (error: unknown) {
    throw new Error(`${agentId} never became ready: ${String(error)}\n${process.output()}`);
  }
  return { agentId, url, process };
}

/** Lists the ids of agents the registry reports healthy. */
export async function healthyAgentIds(registryUrl: string): Promise<string[]> {
  const response = await fetch(`${registryUrl}/agents`);
  const body = (await response.json()) as { agents: { id: string; status: string }[] };
  return body.agents.filter((agent) => agent.status === 'healthy').map((agent) => agent.id);
}

export async function waitForAgents(
  registryUrl: string,
  present: string[],
  absent: string[] = [],
): Promise<void> {
  await waitFor(
    async () => {
      const ids = await healthyAgentIds(registryUrl);
      return present.every((id) => ids.includes(id)) && absent.every((id) => !ids.includes(id))
        ? true
        : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 20, description: `registry agents ${present.join(',')}` },
  );
}

export interface LoadResult {
  ok: number;
  failures: { index: number; code: string; message: string }[];
  byAgent: Map<string, number>;
}

/**
 * Runs `total` calls with `concurrency` workers (optionally paced to `ratePerSec` overall, or until `stop`
 * returns true), counting successes by replica and keeping every failure.
 */
export async function runLoad(options: {
  call: (index: number) => Promise<{ agent: string }>;
  concurrency: number;
  total?: number;
  ratePerSec?: number;
  stop?: () => boolean;
  onResult?: (agent: string, index: number) => void;
}): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failures: [], byAgent: new Map() };
  let next = 0;
  const started = Date.now();
  const total = options.total ?? Number.POSITIVE_INFINITY;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (options.stop?.()) return;
      const index = next;
      if (index >= total) return;
      next += 1;
      if (options.ratePerSec !== undefined) {
        const due = started + (index * 1000) / options.ratePerSec;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      try {
        const { agent } = await options.call(index);
        result.ok += 1;
        result.byAgent.set(agent, (result.byAgent.get(agent) ?? 0) + 1);
        options.onResult?.(agent, index);
      } catch (error: unknown) {
        const code = (error as { code?: string }).code ?? 'UNKNOWN';
        result.failures.push({
          index,
          code,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}
