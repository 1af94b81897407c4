import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MeshError } from '@mesh/common';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';
import { ShedLog } from './shed-log.js';

/** The route a shed request is counted and traced under. */
export const SHED_ROUTE = 'shed';

/** A request waiting for a free slot. */
interface Waiting {
  req: Request;
  res: Response;
  next: NextFunction;
  timer: NodeJS.Timeout;
}

/**
 * In-flight limit with a bounded queue: at most `ctx.maxInFlight` requests past this point at once. One more
 * waits for a free slot, in arrival order, when fewer than `ctx.maxQueued` wait and for at most
 * `ctx.queueTimeoutMs`, so a burst (the seed's 1,000 concurrent orders) is served rather than refused.
 * Past the queue, or past its wait, a request is answered 503 OVERLOADED with Retry-After, before its body is
 * read or anything upstream is asked: a clear answer the client can retry beats a queue without end. A waiting
 * request whose client leaves is dropped from the queue, never sent on. One counter for every route that
 * mounts it (all but probes and metrics, which must answer while the gateway is busy).
 */
export function shedLoad(ctx: GatewayContext): RequestHandler {
  let inFlight = 0;
  const queue = new Set<Waiting>();
  // One error per kind of refusal and one log line a second (answerErrors leaves shed requests to it): an
  // overloaded gateway should not spend on a stack trace and a log line per request it has no time for.
  const overloaded = new MeshError(
    'OVERLOADED',
    `the gateway is serving ${ctx.maxInFlight} requests; try again shortly`,
  );
  const waitedTooLong = new MeshError(
    'OVERLOADED',
    `the gateway is serving ${ctx.maxInFlight} requests and this one waited ${ctx.queueTimeoutMs} ms for a turn; try again shortly`,
  );
  const log = new ShedLog(ctx.logger, ctx.maxInFlight);
  ctx.metrics?.watchQueue(() => queue.size);

  const refuse = (req: Request, res: Response): void => {
    scopeOf(res).route = SHED_ROUTE;
    ctx.metrics?.shed.inc();
    log.count();
    req.resume();
  };
  const admit = (res: Response, next: NextFunction): void => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      admitWaiting();
    });
    next();
  };
  const admitWaiting = (): void => {
    for (const waiting of queue) {
      if (inFlight >= ctx.maxInFlight) return;
      queue.delete(waiting);
      clearTimeout(waiting.timer);
      admit(waiting.res, waiting.next);
    }
  };

  return (req, res, next) => {
    if (inFlight < ctx.maxInFlight) return admit(res, next);
    if (queue.size >= ctx.maxQueued) {
      refuse(req, res);
      throw overloaded;
    }
    const waiting: Waiting = {
      req,
      res,
      next,
      timer: setTimeout(() => {
        queue.delete(waiting);
        refuse(req, res);
        next(waitedTooLong);
      }, ctx.queueTimeoutMs),
    };
    queue.add(waiting);
    res.once('close', () => {
      // The client left while waiting: nothing to send on, nothing to answer.
      if (queue.delete(waiting)) clearTimeout(waiting.timer);
    });
  };
}
