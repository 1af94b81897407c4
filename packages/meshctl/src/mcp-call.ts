import type { ConnectionOptions } from 'node:tls';
import { MeshError, httpResponse } from '@mesh/common';
import type { AgentInfo } from './registry-client.js';

/** Where a tool can be called: the agent, its endpoint and the MCP tool name. */
export interface ToolTarget {
  agentId: string;
  agentName: string;
  endpoint: string;
  toolName: string;
}

/**
 * Picks a provider for `tool` (an MCP tool name or a capability name) among healthy agents, preferring an
 * exact tool-name match; among several replicas, one at random (spreads manual calls like the runtime does).
 */
export function resolveTool(agents: readonly AgentInfo[], tool: string, random = Math.random): ToolTarget {
  const candidates: ToolTarget[] = [];
  for (const byTool of [true, false]) {
    for (const agent of agents) {
      if (agent.status !== 'healthy' && agent.status !== 'degraded') continue;
      const capability = agent.capabilities.find((c) =>
        byTool ? c.function_name === tool : c.name === tool,
      );
      if (capability) {
        candidates.push({
          agentId: agent.id,
          agentName: agent.name,
          endpoint: agent.endpoint,
          toolName: capability.function_name,
        });
      }
    }
    if (candidates.length > 0) break;
  }
  if (candidates.length === 0) {
    throw new MeshError('DEPENDENCY_UNAVAILABLE', `no healthy agent provides ${tool}`);
  }
  return candidates[Math.floor(random() * candidates.length)]!;
}

interface JsonRpcResponse {
  jsonrpc: '2.0';
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** Reads a Streamable HTTP answer: plain JSON, or an SSE stream whose `data:` lines carry the message. */
async function readRpc(response: Response, id: number): Promise<JsonRpcResponse> {
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const messages: JsonRpcResponse[] = [];
  if (type.includes('text/event-stream')) {
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data !== '') messages.push(JSON.parse(data) as JsonRpcResponse);
    }
  } else if (text.trim() !== '') {
    const parsed = JSON.parse(text) as JsonRpcResponse | JsonRpcResponse[];
    messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }
  const answer = messages.find((m) => m.id === id);
  if (!answer)
    throw new MeshError('REMOTE_ERROR', `no JSON-RPC answer to request ${id} (HTTP ${response.status})`);
  return answer;
}

/**
 * Calls one MCP tool over Streamable HTTP: initialize (keeping a session id if the server hands one out),
 * the initialized notification, then tools/call. Returns the CallToolResult.
 */
export async function callTool(
  endpoint: string,
  toolName: string,
  args: Record<string, unknown>,
  options: { timeoutMs?: number; path?: string; tls?: ConnectionOptions } = {},
): Promise<Record<string, unknown>> {
  const url = `${endpoint.replace(/\/+$/, '')}${options.path ?? '/mcp'}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const post = async (body: unknown): Promise<Response> => {
    try {
      if (url.startsWith('https:'))
        return await httpResponse(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          timeoutMs: options.timeoutMs ?? 30_000,
          tls: options.tls ?? {},
        });
      return await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    } catch (error: unknown) {
      throw new MeshError('CONNECTION_FAILED', `cannot reach ${url}`, { cause: error });
    }
  };
  const init = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'meshctl', version: '0.1.0' },
    },
  });
  const initAnswer = await readRpc(init, 1);
  if (initAnswer.error) throw new MeshError('REMOTE_ERROR', `initialize failed: ${initAnswer.error.message}`);
  const session = init.headers.get('mcp-session-id');
  if (session) headers['mcp-session-id'] = session;
  const version = initAnswer.result?.['protocolVersion'];
  if (typeof version === 'string') headers['mcp-protocol-version'] = version;
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).arrayBuffer();
  const call = await post({
    jsonrpc: '2.0',
    id: 2,
    method: 'tools/call',
    params: { name: toolName, arguments: args },
  });
  const answer = await readRpc(call, 2);
  if (session && !url.startsWith('https:')) {
    void fetch(url, { method: 'DELETE', headers, signal: AbortSignal.timeout(1000) }).catch(() => undefined);
  }
  if (answer.error) {
    throw new MeshError('REMOTE_ERROR', `tools/call ${toolName} failed: ${answer.error.message}`, {
      data: { rpcCode: answer.error.code },
    });
  }
  return answer.result ?? {};
}

/**
 * Calls a resolved tool: directly at the agent's endpoint, or through the registry's operator-only proxy
 * (`viaProxy`; for agents whose addresses only their own network resolves, e.g. a compose project's).
 */
export function callResolvedTool(
  target: ToolTarget,
  args: Record<string, unknown>,
  options: { registryUrl: string; viaProxy: boolean; tls?: ConnectionOptions | undefined },
): Promise<Record<string, unknown>> {
  const tls = options.tls ? { tls: options.tls } : {};
  if (!options.viaProxy) return callTool(target.endpoint, target.toolName, args, tls);
  const agent = target.endpoint.replace(/^https?:\/\//, '');
  return callTool(`${options.registryUrl}/proxy/${agent}`, target.toolName, args, { path: '/mcp', ...tls });
}
