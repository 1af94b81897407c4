import { MeshError } from '@mesh/common';
import { AGENT_ID_PATTERN, invalidField } from '../core/validate-registration.js';
import type { Handler } from './context.js';
import { authorizeAgentId } from './access.js';

/** `GET /watch/{agent_id}`: SSE feed of changes relevant to that agent; 404 for an unknown agent. */
export const watchAgent: Handler = async (req, res, ctx, agentId, _requestId, caller) => {
  if (!AGENT_ID_PATTERN.test(agentId))
    throw invalidField('agent_id', 'must be 1-64 characters of letters, digits, "_" or "-"');
  if (ctx.registry.getAgent(agentId) === undefined) {
    const stored =
      ctx.registry.store.kind === 'memory' ? undefined : await ctx.registry.store.getAgent(agentId);
    if (stored === undefined)
      throw new MeshError('NOT_FOUND', `agent ${agentId} is not registered`, { data: { field: 'agent_id' } });
    await ctx.registry.reload();
  }
  authorizeAgentId(ctx, caller, agentId, 'watch');
  req.socket.setTimeout(0);
  ctx.watchFeed.open(agentId, res);
};
