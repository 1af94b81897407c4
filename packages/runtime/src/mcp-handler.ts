import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { MeshError, readBody } from '@mesh/common';
import type { MeshIdentity } from '@mesh/trust';
import type { McpGuard } from './runtime-trust.js';
import type { CallerLink } from './tool-call-context.js';
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

/** How one JSON-RPC message to `/mcp` is answered, whatever carried it (an HTTP request or a mesh stream). */
export interface McpAnswer {
  /** The HTTP status (a mesh stream carries it in its answer frame). */
  status: number;
  /** The JSON-RPC response; empty for an accepted notification (202). */
  payload: string;
  /** The provider is shutting down: an HTTP answer closes its connection. */
  closeConnection?: boolean;
}

function answer(status: number, body: unknown): McpAnswer {
  return { status, payload: JSON.stringify(body) };
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
      send(res, 401, unauthenticated(peer.reason));
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
  let message: unknown;
  try {
    const raw = await readBody(req, { limitBytes: BODY_LIMIT });
    message = JSON.parse(raw.toString('utf8')) as unknown;
  } catch (error: unknown) {
    if (error instanceof MeshError && error.code === 'PAYLOAD_TOO_LARGE') {
      send(res, 413, rpcError(null, -32600, error.message));
      return;
    }
    send(res, 400, rpcError(null, -32700, 'Parse error: body is not valid JSON'));
    return;
  }
  const answered = await answerMcpMessage(message, req.headers, endpoint, caller, res);
  if (res.destroyed) return;
  if (answered.payload === '') {
    res.writeHead(answered.status);
    res.end();
  } else if (answered.closeConnection) {
    res.writeHead(answered.status, { 'content-type': 'application/json', connection: 'close' });
    res.end(answered.payload);
  } else sendJson(res, answered.status, answered.payload);
}

/** The JSON-RPC error of a caller without a mesh certificate (strict mode). */
export function unauthenticated(reason: string): unknown {
  return rpcError(
    null,
    RPC_REFUSED,
    `Unauthorized: this agent requires mTLS with a mesh certificate (${reason})`,
    {
      code: 'UNAUTHORIZED',
      reason,
    },
  );
}

/**
 * Answers one parsed JSON-RPC message from an authenticated `caller` (undefined without a guard). `link` is
 * the caller's side of the call: its `close` before the answer is written aborts the handler's signal.
 */
export async function answerMcpMessage(
  parsed: unknown,
  headers: IncomingHttpHeaders,
  endpoint: McpEndpoint,
  caller: MeshIdentity | undefined,
  link: CallerLink,
): Promise<McpAnswer> {
  if (Array.isArray(parsed))
    return answer(400, rpcError(null, -32600, 'Invalid Request: batches are not supported'));
  const message = parsed as JsonRpcRequest | null;
  if (
    typeof message !== 'object' ||
    message === null ||
    message.jsonrpc !== '2.0' ||
    typeof message.method !== 'string'
  ) {
    return answer(400, rpcError(message?.id, -32600, 'Invalid Request: expected a JSON-RPC 2.0 message'));
  }
  if (message.id === undefined) return { status: 202, payload: '' };
  const id = message.id;
  const params = (
    typeof message.params === 'object' && message.params !== null ? message.params : {}
  ) as Record<string, unknown>;
  switch (message.method) {
    case 'tools/call':
      return callTool(id, params, headers, link, endpoint, caller);
    case 'initialize': {
      const requested = typeof params['protocolVersion'] === 'string' ? params['protocolVersion'] : '';
      const protocolVersion = (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(requested)
        ? requested
        : SUPPORTED_PROTOCOL_VERSIONS[0];
      return answer(200, {
        jsonrpc: '2.0',
        id,
        result: {
          protocolVersion,
          capabilities: { tools: { listChanged: false } },
          serverInfo: endpoint.serverInfo,
          instructions: endpoint.instructions,
        },
      });
    }
    case 'tools/list':
      return answer(200, { jsonrpc: '2.0', id, result: { tools: listTools(endpoint) } });
    case 'ping':
      return answer(200, { jsonrpc: '2.0', id, result: {} });
    default:
      return answer(200, rpcError(id, -32601, `Method not found: ${message.method}`));
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

const DRAINING_BODY = JSON.stringify({
  error: { code: 'SHUTTING_DOWN', message: 'agent is shutting down; call another replica' },
});

async function callTool(
  id: unknown,
  params: Record<string, unknown>,
  headers: IncomingHttpHeaders,
  link: CallerLink,
  endpoint: McpEndpoint,
  caller: MeshIdentity | undefined,
): Promise<McpAnswer> {
  if (endpoint.draining()) return { status: 503, payload: DRAINING_BODY, closeConnection: true };
  const name = params['name'];
  const served = typeof name === 'string' ? endpoint.tools.get(name) : undefined;
  if (!served) return answer(200, rpcError(id, -32602, `Unknown tool: ${String(name)}`));
  if (endpoint.guard && caller) {
    const capability = served.tool.capability;
    const decision = endpoint.guard.authorize(caller, capability);
    if (!decision.allowed) {
      endpoint.guard.refused(403, decision.reason, caller, capability);
      const identity = `${caller.kind}/${caller.name}`;
      return answer(
        403,
        rpcError(id, RPC_REFUSED, `Forbidden: ${identity} may not call ${capability}: ${decision.reason}`, {
          code: 'FORBIDDEN',
          identity,
          capability,
        }),
      );
    }
  }
  const parsed = served.tool.input.safeParse(params['arguments'] ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String),
      message: issue.message,
      code: issue.code,
    }));
    return answer(200, rpcError(id, -32602, `Invalid arguments for tool ${served.tool.name}`, { issues }));
  }
  const result = await endpoint.invoker.invoke(served, parsed.data, headers, link);
  return { status: 200, payload: toolCallResponseJson(id, result) };
}
