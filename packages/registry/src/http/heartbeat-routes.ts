import { MeshError, isMeshError, readJsonBody } from '@mesh/common';
import { AGENT_ID_PATTERN, parseRegistration } from '../core/validate-registration.js';
import type { Handler } from './context.js';
import { sendJsonText } from './respond.js';

async function readBodyAs400(req: Parameters<Handler>[0], limitBytes: number): Promise<unknown> {
  try {
    return await readJsonBody(req, { limitBytes });
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

/** `POST /heartbeat`: registration and full heartbeat in one; the response carries `dependencies_resolved`. */
export const postHeartbeat: Handler = async (req, res, ctx) => {
  const body = await readBodyAs400(req, ctx.config.maxBodyBytes);
  const { registration, warnings } = parseRegistration(body);
  const result = await ctx.registry.heartbeat(registration);
  const message = result.created ? 'Agent registered via heartbeat' : 'Agent updated via heartbeat';
  const json =
    `{"status":"success","timestamp":"${new Date().toISOString()}","message":"${message}",` +
    `"agent_id":${JSON.stringify(result.agentId)},"dependencies_resolved":${result.resolvedJson}` +
    (warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}}` : '}');
  sendJsonText(res, 200, json);
};

/** `HEAD /heartbeat/{agent_id}`: 200 nothing relevant changed, 202 re-POST, 410 unknown or unhealthy. */
export const headHeartbeat: Handler = async (_req, res, ctx, agentId) => {
  if (!AGENT_ID_PATTERN.test(agentId)) {
    res.writeHead(400);
    res.end();
    return;
  }
  let status: number;
  try {
    status = await ctx.registry.headHeartbeat(agentId);
  } catch (error: unknown) {
    ctx.logger.warn({ err: error, agent_id: agentId }, 'fast heartbeat failed');
    status = 503;
  }
  res.writeHead(status);
  res.end();
};
