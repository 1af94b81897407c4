import type { RequestHandler } from 'express';
import { MeshError } from '@mesh/common';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';
import { ShedLog } from './shed-log.js';

/** The route a shed request is counted and traced under. */
export const SHED_ROUTE = 'shed';

/**
 * In-flight limit: at most `ctx.maxInFlight` requests past this point at once; one more is answered 503
 * OVERLOADED with Retry-After at once, before its body is read or anything upstream is asked: a clear answer
 * the client can retry beats a queue that ends in reset sockets. One counter for every route that mounts it
 * (all but probes and metrics, which must answer while the gateway is busy).
 */
export function shedLoad(ctx: GatewayContext): RequestHandler {
  let inFlight = 0;
  // One error for every refusal and one log line a second (answerErrors leaves shed requests to it): an
  // overloaded gateway should not spend on a stack trace and a log line per request it has no time for.
  const overloaded = new MeshError(
    'OVERLOADED',
    `the gateway is serving ${ctx.maxInFlight} requests; try again shortly`,
  );
  const log = new ShedLog(ctx.logger, ctx.maxInFlight);
  return (req, res, next) => {
    if (inFlight >= ctx.maxInFlight) {
      scopeOf(res).route = SHED_ROUTE;
      ctx.metrics?.shed.inc();
      log.count();
      req.resume();
      throw overloaded;
    }
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    next();
  };
}
