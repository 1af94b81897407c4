import { MeshError, isMeshError, readBody } from '@mesh/common';
import { AGENT_ID_PATTERN, parseRegistration } from '../core/validate-registration.js';
import type { HeartbeatResult } from '../core/registry.js';
import type { Handler } from './context.js';
import { sendJsonText } from './respond.js';
import { authorizeAgentId, authorizeRegistration } from './access.js';

async function readTextAs400(req: Parameters<Handler>[0], limitBytes: number): Promise<string> {
  try {
    return (await readBody(req, { limitBytes })).toString('utf8');
  } catch (error: unknown) {
    // The spec lists 400 for any invalid heartbeat body, an oversized one included.
    if (isMeshError(error)) {
      throw new MeshError(
        error.code === 'PAYLOAD_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
        error.message,
        {
          data: { field: '(body)', status: 400 },
        },
      );
    }
    throw error;
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) {
    throw new MeshError('BAD_REQUEST', 'request body is empty; expected JSON', { data: { field: '(body)' } });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MeshError('BAD_REQUEST', `malformed JSON: ${detail}`, { data: { field: '(body)' } });
  }
}

/** Runtimes stamp each heartbeat with the time; blanking it lets an otherwise identical body skip parsing. */
const TIMESTAMP_FIELD = /"timestamp"\s*:\s*"[^"]*"/g;
const AGENT_ID_FIELD = /"agent_id"\s*:\s*"([a-zA-Z0-9_-]{1,64})"/;

function sendHeartbeatResponse(
  res: Parameters<Handler>[1],
  result: HeartbeatResult,
  warnings: readonly string[],
): void {
  const message = result.created ? 'Agent registered via heartbeat' : 'Agent updated via heartbeat';
  const json =
    `{"status":"success","timestamp":"${new Date().toISOString()}","message":"${message}",` +
    `"agent_id":${JSON.stringify(result.agentId)},"dependencies_resolved":${result.resolvedJson}` +
    (warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}}` : '}');
  sendJsonText(res, 200, json);
}

/** `POST /heartbeat`: registration and full heartbeat in one; the response carries `dependencies_resolved`. */
export const postHeartbeat: Handler = async (req, res, ctx, _param, _requestId, caller) => {
  const text = await readTextAs400(req, ctx.config.maxBodyBytes);
  const bodyKey = text.replace(TIMESTAMP_FIELD, '"timestamp":""');
  // A body identical to the one this agent last sent was valid then and means the same now. The id found
  // here only selects which stored body to compare with; equality of the whole text is what counts.
  const candidate = AGENT_ID_FIELD.exec(text)?.[1];
  if (candidate !== undefined) authorizeAgentId(ctx, caller, candidate, 'heartbeat');
  const repeated = candidate === undefined ? undefined : ctx.registry.repeatHeartbeat(candidate, bodyKey);
  if (repeated !== undefined) {
    sendHeartbeatResponse(res, await repeated, []);
    return;
  }
  const { registration, warnings } = parseRegistration(parseJson(text));
  authorizeRegistration(ctx, caller, registration);
  const result = await ctx.registry.heartbeat(registration, warnings.length === 0 ? bodyKey : undefined);
  sendHeartbeatResponse(res, result, warnings);
};

/** An explicit zero length keeps the connection alive (without it Node closes after a bodiless HEAD answer). */
const EMPTY = { 'content-length': '0' } as const;

/** `HEAD /heartbeat/{agent_id}`: 200 nothing relevant changed, 202 re-POST, 410 unknown or unhealthy. */
export const headHeartbeat: Handler = async (_req, res, ctx, agentId, _requestId, caller) => {
  if (!AGENT_ID_PATTERN.test(agentId)) {
    res.writeHead(400, EMPTY);
    res.end();
    return;
  }
  authorizeAgentId(ctx, caller, agentId, 'heartbeat');
  let status: number;
  try {
    status = await ctx.registry.headHeartbeat(agentId);
  } catch (error: unknown) {
    ctx.logger.warn({ err: error, agent_id: agentId }, 'fast heartbeat failed');
    status = 503;
  }
  res.writeHead(status, EMPTY);
  res.end();
};
