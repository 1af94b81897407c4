import type { RequestHandler } from 'express';
import { toMeshError } from '@mesh/common';
import type { GatewayContext } from '../gateway-context.js';
import type { RequestScope } from '../request-scope.js';
import { scopeOf } from '../request-scope.js';

/**
 * Counts one request of `client` (`sub:<user>` or `ip:<address>`) against the shared limit; RATE_LIMITED past
 * it. When the shared counter store is down the request is served rather than everyone refused (the limit is
 * protection, not correctness), and a warning says so.
 */
export async function countRequest(ctx: GatewayContext, scope: RequestScope, client: string): Promise<void> {
  try {
    await ctx.limiter.check(client);
  } catch (raw: unknown) {
    const error = toMeshError(raw);
    if (error.code === 'RATE_LIMITED') throw error;
    scope.logger.warn({ err: error.message }, 'rate limit store unavailable; request not counted');
  }
}

/** For public routes (the catalogue, login): counts the request against the client's address. */
export function limitByAddress(ctx: GatewayContext): RequestHandler {
  return async (req, res, next) => {
    await countRequest(ctx, scopeOf(res), `ip:${ctx.clientAddress(req)}`);
    next();
  };
}
