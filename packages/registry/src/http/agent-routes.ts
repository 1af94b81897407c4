import { MeshError } from '@mesh/common';
import { agentInfoJson } from '../core/agent-info.js';
import { AGENT_ID_PATTERN, invalidField } from '../core/validate-registration.js';
import type { Handler } from './context.js';
import { authorizeAgentId } from './access.js';
import type { Registry } from '../core/registry.js';

/**
 * How long a built listing may be served again while nothing but heartbeat times changed: `last_seen` is
 * then at most this stale, while any registration, health or resolution change rebuilds it at once.
 */
const LIST_CACHE_MS = 1000;

interface CachedList {
  readonly version: number;
  readonly builtAt: number;
  readonly body: Buffer;
}

const cachedLists = new WeakMap<Registry, CachedList>();

function buildList(registry: Registry): Buffer {
  const parts: string[] = [];
  for (const state of registry.agentStates()) {
    const { resolved, json } = registry.resolutionOf(state);
    parts.push(agentInfoJson(state, resolved, json));
  }
  return Buffer.from(
    `{"agents":[${parts.join(',')}],"count":${parts.length},"timestamp":"${new Date().toISOString()}"}`,
  );
}

/** `GET /agents`: every registered agent as the spec's AgentInfo (status, capabilities, dependency counts). */
export const listAgents: Handler = (_req, res, ctx) => {
  const registry = ctx.registry;
  const now = Date.now();
  let cached = cachedLists.get(registry);
  if (
    cached === undefined ||
    cached.version !== registry.listVersion ||
    now - cached.builtAt >= LIST_CACHE_MS
  ) {
    cached = { version: registry.listVersion, builtAt: now, body: buildList(registry) };
    cachedLists.set(registry, cached);
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': cached.body.length });
  res.end(cached.body);
};

/** `DELETE /agents/{agent_id}`: graceful unregistration; 204 whether or not it was registered. */
export const deleteAgent: Handler = async (_req, res, ctx, agentId, _requestId, caller) => {
  if (!AGENT_ID_PATTERN.test(agentId))
    throw invalidField('agent_id', 'must be 1-64 characters of letters, digits, "_" or "-"');
  authorizeAgentId(ctx, caller, agentId, 'delete');
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
