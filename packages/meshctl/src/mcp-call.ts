import type { ConnectionOptions } from 'node:tls';
import { MeshError } from '@mesh/common';
import type { ResolvedProvider, ToolTarget as RuntimeTarget } from '@mesh/runtime';
import type { AgentInfo } from './registry-client.js';

/** A tool and every healthy replica that provides it. */
export interface ToolTarget extends RuntimeTarget {
  /** What was asked for: an MCP tool name or a capability. */
  readonly tool: string;
}

/**
 * Every healthy provider of `tool` (an MCP tool name, else a capability name) in a `GET /agents` listing; the
 * runtime's client then balances across them and fails over. Registrations the registry reports otherwise
 * (unhealthy: no recent heartbeat) are left out.
 */
export function resolveTool(agents: readonly AgentInfo[], tool: string): ToolTarget {
  for (const byTool of [true, false]) {
    const providers: ResolvedProvider[] = [];
    let capability = '';
    for (const agent of agents) {
      if (agent.status !== 'healthy') continue;
      const found = agent.capabilities.find((c) => (byTool ? c.function_name === tool : c.name === tool));
      if (!found) continue;
      capability ||= found.name;
      providers.push({
        agentId: agent.id,
        endpoint: agent.endpoint,
        functionName: found.function_name,
        idempotent: found.kwargs?.['idempotent'] === true,
      });
    }
    if (providers.length > 0) return { tool, capability, providers };
  }
  throw new MeshError('DEPENDENCY_UNAVAILABLE', `no healthy agent provides ${tool}`, { data: { tool } });
}

export interface CallToolOptions {
  readonly registryUrl: string;
  /**
   * Through the registry's operator-only proxy (`/proxy/{host}:{port}/mcp`), for agents whose addresses only
   * their own network resolves (a compose project's).
   */
  readonly viaProxy: boolean;
  /** The operator certificate of a strict mesh. */
  readonly tls?: ConnectionOptions | undefined;
  readonly timeoutMs?: number;
}

/**
 * Calls a resolved tool with the runtime's client (loaded on first use: other commands do not pay for it).
 * Resolves with the tool's result; throws MeshError with the runtime's codes.
 */
export async function callTool(
  target: ToolTarget,
  args: Record<string, unknown>,
  options: CallToolOptions,
): Promise<unknown> {
  const { createToolCaller } = await import('@mesh/runtime');
  const caller = createToolCaller({
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const registry = options.registryUrl.replace(/\/+$/, '');
  const providers = options.viaProxy
    ? target.providers.map((p) => ({
        ...p,
        endpoint: `${registry}/proxy/${p.endpoint.replace(/^https?:\/\//, '')}`,
      }))
    : target.providers;
  try {
    return await caller.call({ ...target, providers }, args);
  } finally {
    caller.close();
  }
}
