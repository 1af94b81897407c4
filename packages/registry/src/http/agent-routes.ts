import { MeshError } from '@mesh/common';
import { agentInfoJson } from '../core/agent-info.js';
import { AGENT_ID_PATTERN, invalidField } from '../core/validate-registration.js';
import type { Handler } from './context.js';
import { sendJsonText } from './respond.js';

/** `GET /agents`: every registered agent as the spec's AgentInfo (status, capabilities, dependency counts). */
export const listAgents: Handler = (_req, res, ctx) => {
  const registry = ctx.registry;
  const parts: string[] = [];
  for (const state of registry.agentStates()) {
    const { resolved, json } = registry.resolutionOf(state);
    parts.push(agentInfoJson(state, resolved, json));
  }
  sendJsonText(
    res,
    200,
    `{"agents":[${parts.join(',')}],"count":${parts.length},"timestamp":"${new Date().toISOString()}"}`,
  );
};

/** `DELETE /agents/{agent_id}`: graceful unregistration; 204 whether or not it was registered. */
export const deleteAgent: Handler = async (_req, res, ctx, agentId) => {
  if (!AGENT_ID_PATTERN.test(agentId))
    throw invalidField('agent_id', 'must be 1-64 characters of letters, digits, "_" or "-"');
  const existed = await ctx.registry.unregister(agentId);
  if (existed) ctx.logger.info({ agent_id: agentId }, 'agent unregistered');
  res.writeHead(204);
  res.end();
};

/** Fails a request that reached a known path with the wrong method. */
export function methodNotAllowed(method: string, path: string): MeshError {
  return new MeshError('METHOD_NOT_ALLOWED', `${method} is not supported on ${path}`, {
    data: { status: 405 },
  });
}
