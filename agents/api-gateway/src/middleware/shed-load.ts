import type { RequestHandler } from 'express';
import { MeshError } from '@mesh/common';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';

/**
 * In-flight limit: at most `ctx.maxInFlight` requests past this point at once; one more is answered 503
 * OVERLOADED with Retry-After at once, before its body is read or anything upstream is asked: a clear answer
 * the client can retry beats a queue that ends in reset sockets. One counter for every route that mounts it
 * (all but probes and metrics, which must answer while the gateway is busy).
 */
export function shedLoad(ctx: GatewayContext): RequestHandler {
  let inFlight = 0;
  return (req, res, next) => {
    if (inFlight >= ctx.maxInFlight) {
      scopeOf(res).route = 'shed';
      ctx.metrics?.shed.inc();
      req.resume();
      throw new MeshError(
        'OVERLOADED',
        `the gateway is serving ${ctx.maxInFlight} requests; try again shortly`,
      );
    }
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    next();
  };
}
