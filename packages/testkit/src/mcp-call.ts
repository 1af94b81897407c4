/** What a test sees of one `tools/call` over HTTP: the status and the JSON-RPC result (or error). */
export interface ToolCallReply {
  status: number;
  result?: {
    isError?: boolean;
    structuredContent?: Record<string, unknown>;
    content?: { type: string; text: string }[];
  };
  error?: { code: number; message: string };
}

/** A call that has not answered after this long fails the test instead of hanging it. */
const CALL_TIMEOUT_MS = 30_000;

/** Calls `name` on an agent's /mcp as a plain HTTP client would (no `initialize`), with extra headers. */
export async function callTool(
  agentUrl: string,
  name: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<ToolCallReply> {
  const response = await fetch(`${agentUrl}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: Omit<ToolCallReply, 'status'> = {};
  try {
    body = JSON.parse(text) as Omit<ToolCallReply, 'status'>;
  } catch {
    // not JSON (e.g. a 503 while draining is JSON, but a proxy's error page may not be)
  }
  return { status: response.status, ...body };
}

/** The tool's result (a business error included, as `isError`); a JSON-RPC error or no result throws. */
export async function toolResult(
  agentUrl: string,
  name: string,
  args: Record<string, unknown> = {},
): Promise<NonNullable<ToolCallReply['result']>> {
  const reply = await callTool(agentUrl, name, args);
  if (reply.result === undefined)
    throw new Error(`tools/call ${name} failed (HTTP ${reply.status}): ${JSON.stringify(reply.error)}`);
  return reply.result;
}
