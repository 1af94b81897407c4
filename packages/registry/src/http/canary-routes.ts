import { readJsonBody } from '@mesh/common';
import { checkCanaryName, parseCanaryBody } from '../core/canary.js';
import type { Caller, Handler, HandlerContext } from './context.js';
import { notFound, sendJsonText } from './respond.js';

/** Shifting traffic between versions is the operator's decision: in strict mode only its identity may. */
function authorizeCanaryChange(ctx: HandlerContext, caller: Caller | undefined, action: string): void {
  const trust = ctx.trust;
  if (!trust || !caller) return;
  trust.require(
    caller.identity.kind === 'operator'
      ? { allowed: true }
      : { allowed: false, reason: 'canaries are operator-only' },
    caller.identity,
    action,
  );
}

/** `GET /canaries`: every canary in force, `{canaries: [{agent_name, version, weight, updated_at}]}`. */
export const listCanaries: Handler = (_req, res, ctx) => {
  sendJsonText(res, 200, JSON.stringify({ canaries: ctx.registry.listCanaries() }));
};

/** `GET /canaries/{agent_name}`: one canary, 404 when the agent has none. */
export const getCanary: Handler = (_req, res, ctx, name) => {
  const canary = ctx.registry.getCanary(checkCanaryName(name));
  if (canary === undefined) throw notFound(`no canary for ${name}`);
  sendJsonText(res, 200, JSON.stringify(canary));
};

/** `PUT /canaries/{agent_name}` with `{version, weight}`: sets or re-weights the canary; 200 with the record. */
export const putCanary: Handler = async (req, res, ctx, name, _requestId, caller) => {
  authorizeCanaryChange(ctx, caller, `set the canary of ${name}`);
  const body = await readJsonBody(req, { limitBytes: 4096 });
  const record = parseCanaryBody(name, body, ctx.registry.clock.now());
  await ctx.registry.setCanary(record);
  ctx.logger.info({ canary: record }, 'canary set');
  sendJsonText(res, 200, JSON.stringify(record));
};

/** `DELETE /canaries/{agent_name}`: ends the canary (resolution goes back to plain rules); 204 either way. */
export const deleteCanary: Handler = async (_req, res, ctx, name, _requestId, caller) => {
  authorizeCanaryChange(ctx, caller, `delete the canary of ${name}`);
  const removed = await ctx.registry.deleteCanary(checkCanaryName(name));
  if (removed !== undefined) ctx.logger.info({ canary: removed }, 'canary removed');
  res.writeHead(204);
  res.end();
};
