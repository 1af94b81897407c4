import { describeIdentity, namesHost } from '@mesh/trust';
import type { AgentRegistration } from '../core/types.js';
import type { Caller, HandlerContext } from './context.js';

/**
 * A registration is accepted from an agent certificate only for that agent's own name, agent ids it owns,
 * capabilities architecture.yml lets it provide, and an endpoint on a host its certificate names.
 * Without TLS (`ctx.trust` undefined) everything is accepted, as MCP Mesh does by default.
 */
export function authorizeRegistration(
  ctx: HandlerContext,
  caller: Caller | undefined,
  registration: AgentRegistration,
): void {
  const trust = ctx.trust;
  if (!trust || !caller) return;
  const { identity } = caller;
  const who = describeIdentity(identity);
  trust.require(
    identity.kind === 'agent' && identity.name === registration.name
      ? { allowed: true }
      : { allowed: false, reason: `its certificate is for ${who}` },
    identity,
    `register as ${registration.name}`,
  );
  authorizeAgentId(ctx, caller, registration.agent_id, 'update');
  for (const tool of registration.tools)
    trust.require(
      trust.policy.mayRegister(identity, tool.capability),
      identity,
      `register ${tool.capability}`,
    );
  if (registration.http_port > 0)
    trust.require(
      namesHost(caller.names, registration.http_host)
        ? { allowed: true }
        : {
            allowed: false,
            reason: `its certificate names only ${[...caller.names.dns, ...caller.names.ips].join(', ') || 'no hosts'}`,
          },
      identity,
      `register the endpoint host ${registration.http_host}`,
    );
}

/** Heartbeats, watches and deletes of an agent id: only by the agent that registered it, or the operator. */
export function authorizeAgentId(
  ctx: HandlerContext,
  caller: Caller | undefined,
  agentId: string,
  action: string,
): void {
  const trust = ctx.trust;
  if (!trust || !caller) return;
  const owner = ctx.registry.getAgent(agentId)?.record.name;
  if (owner === undefined) return;
  trust.require(trust.policy.mayManage(caller.identity, owner), caller.identity, `${action} ${agentId}`);
}

/** The registry proxy reaches any agent's tools, so only the operator may use it. */
export function authorizeProxy(ctx: HandlerContext, caller: Caller | undefined): void {
  const trust = ctx.trust;
  if (!trust || !caller) return;
  trust.require(
    caller.identity.kind === 'operator'
      ? { allowed: true }
      : { allowed: false, reason: 'the proxy is operator-only' },
    caller.identity,
    'use the proxy',
  );
}
