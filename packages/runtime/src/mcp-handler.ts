import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeshError, readBody } from '@mesh/common';
import type { MeshIdentity } from '@mesh/trust';
import type { McpGuard } from './runtime-trust.js';
import { toolCallResponseJson } from './tool-invoker.js';
import type { ServedTool, ToolInvoker } from './tool-invoker.js';

/** Protocol versions we speak; the newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

interface JsonRpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** What the /mcp endpoint serves from. */
export interface McpEndpoint {
  readonly serverInfo: { name: string; version: string };
  readonly instructions: string;
  readonly tools: ReadonlyMap<string, ServedTool>;
  readonly invoker: ToolInvoker;
  draining(): boolean;
  /** mTLS and the capability policy (strict mode); absent, every caller is served. */
  readonly guard?: McpGuard;
}

/** JSON-RPC code of a refused caller (server-defined range), with HTTP 401 or 403 and the reason. */
const RPC_REFUSED = -32001;

const BODY_LIMIT = 4 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, JSON.stringify(body));
}

function sendJson(res: ServerResponse, status: number, payload: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function rpcError(id: unknown, code: number, message: string, data?: unknown): unknown {
  const error: Record<string, unknown> = { code, message };
  if (data !== undefined) error['data'] = data;
  return { jsonrpc: '2.0', id: id ?? null, error };
}

const ACCEPTS_JSON = /application\/json|application\/\*|\*\/\*/i;
/** What the runtime's own client sends (mcp-client.ts): accepted without running the pattern. */
const MESH_CLIENT_ACCEPT = 'application/json, text/event-stream';

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === '' || accept === MESH_CLIENT_ACCEPT) return true;
  return ACCEPTS_JSON.test(accept);
}

/**
 * MCP over Streamable HTTP, stateless, JSON responses, parsed by hand on node:http for speed.
 * `tools/call` works without `initialize` (as mesh agents call each other); the official SDK client's
 * initialize / notifications / tools/list / tools/call sequence works too. No session ids are issued.
 */
export async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: McpEndpoint,
): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
    res.end(
      JSON.stringify(rpcError(null, -32000, 'Method not allowed: this server is stateless (POST only)')),
    );
    return;
  }
  let caller: MeshIdentity | undefined;
  if (endpoint.guard) {
    const peer = endpoint.guard.authenticate(req);
    if (!peer.authenticated) {
      endpoint.guard.refused(401, peer.reason, undefined, '(any)');
      send(
        res,
        401,
        rpcError(
          null,
          RPC_REFUSED,
          `Unauthorized: this agent requires mTLS with a mesh certificate (${peer.reason})`,
          {
            code: 'UNAUTHORIZED',
            reason: peer.reason,
          },
        ),
      );
      return;
    }
    caller = peer.identity;
  }
  if (!acceptsJson(req.headers.accept)) {
    send(res, 406, rpcError(null, -32000, 'Not Acceptable: client must accept application/json'));
    return;
  }
  const contentType = req.headers['content-type'];
  if (contentType !== undefined && !contentType.includes('application/json')) {
    send(res, 415, rpcError(null, -32000, 'Unsupported Media Type: Content-Type must be application/json'));
    return;
  }
  let message: JsonRpcRequest;
  try {
    const raw = await readBody(req, { limitBytes: BODY_LIMIT });
    message = JSON.parse(raw.toString('utf8')) as JsonRpcRequest;
  } catch (error: unknown) {
    if (error instanceof MeshError && error.code === 'PAYLOAD_TOO_LARGE') {
      send(res, 413, rpcError(null, -32600, error.message));
      return;
    }
    send(res, 400, rpcError(null, -32700, 'Parse error: body is not valid JSON'));
    return;
  }
  if (Array.isArray(message)) {
    send(res, 400, rpcError(null, -32600, 'Invalid Request: batches are not supported'));
    return;
  }
  if (
    typeof message !== 'object' ||
    message === null ||
    message.jsonrpc !== '2.0' ||
    typeof message.method !== 'string'
  ) {
    send(res, 400, rpcError(message?.id, -32600, 'Invalid Request: expected a JSON-RPC 2.0 message'));
    return;
  }
  const isNotification = message.id === undefined;
  if (isNotification) {
    res.writeHead(202);
    res.end();
    return;
  }
  await dispatch(message, req, res, endpoint, caller);
}

async function dispatch(
  message: JsonRpcRequest,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: McpEndpoint,
  caller: MeshIdentity | undefined,
): Promise<void> {
  const id = message.id;
  const params = (
    typeof message.params === 'object' && message.params !== null ? message.params : {}
  ) as Record<string, unknown>;
  switch (message.method) {
    case 'tools/call':
      await callTool(id, params, req, res, endpoint, caller);
      return;
    case 'initialize': {
      const requested = typeof params['protocolVersion'] === 'string' ? params['protocolVersion'] : '';
      const protocolVersion = (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(requested)
        ? requested
        : SUPPORTED_PROTOCOL_VERSIONS[0];
      send(res, 200, {
        jsonrpc: '2.0',
        id,
        result: {
          protocolVersion,
          capabilities: { tools: { listChanged: false } },
          serverInfo: endpoint.serverInfo,
          instructions: endpoint.instructions,
        },
      });
      return;
    }
    case 'tools/list':
      send(res, 200, { jsonrpc: '2.0', id, result: { tools: listTools(endpoint) } });
      return;
    case 'ping':
      send(res, 200, { jsonrpc: '2.0', id, result: {} });
      return;
    default:
      send(res, 200, rpcError(id, -32601, `Method not found: ${message.method}`));
  }
}

function listTools(endpoint: McpEndpoint): unknown[] {
  return [...endpoint.tools.values()].map(({ tool }) => {
    const entry: Record<string, unknown> = {
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputJsonSchema,
    };
    if (tool.outputJsonSchema) entry['outputSchema'] = tool.outputJsonSchema;
    return entry;
  });
}

async function callTool(
  id: unknown,
  params: Record<string, unknown>,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: McpEndpoint,
  caller: MeshIdentity | undefined,
): Promise<void> {
  if (endpoint.draining()) {
    const body = {
      error: { code: 'SHUTTING_DOWN', message: 'agent is shutting down; call another replica' },
    };
    res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(body));
    return;
  }
  const name = params['name'];
  const served = typeof name === 'string' ? endpoint.tools.get(name) : undefined;
  if (!served) {
    send(res, 200, rpcError(id, -32602, `Unknown tool: ${String(name)}`));
    return;
  }
  if (endpoint.guard && caller) {
    const capability = served.tool.capability;
    const decision = endpoint.guard.authorize(caller, capability);
    if (!decision.allowed) {
      endpoint.guard.refused(403, decision.reason, caller, capability);
      const identity = `${caller.kind}/${caller.name}`;
      send(
        res,
        403,
        rpcError(id, RPC_REFUSED, `Forbidden: ${identity} may not call ${capability}: ${decision.reason}`, {
          code: 'FORBIDDEN',
          identity,
          capability,
        }),
      );
      return;
    }
  }
  const parsed = served.tool.input.safeParse(params['arguments'] ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String),
      message: issue.message,
      code: issue.code,
    }));
    send(res, 200, rpcError(id, -32602, `Invalid arguments for tool ${served.tool.name}`, { issues }));
    return;
  }
  const result = await endpoint.invoker.invoke(served, parsed.data, req.headers, res);
  if (!res.destroyed) sendJson(res, 200, toolCallResponseJson(id, result));
}
