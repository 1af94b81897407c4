import express from 'express';
import type { RequestHandler, Router } from 'express';
import type { GatewayContext } from './gateway-context.js';
import { methodNotAllowed } from './middleware/answer-errors.js';
import { authenticate } from './middleware/authenticate.js';
import { jsonBody } from './middleware/json-body.js';
import { limitByAddress } from './middleware/rate-limit.js';
import { shedLoad } from './middleware/shed-load.js';
import { scopeOf } from './request-scope.js';
import type { Route } from './routes.js';

/** Names the request's route (for metrics, spans and logs) once express matched it. */
function named(path: string): RequestHandler {
  return (_req, res, next) => {
    scopeOf(res).route = path;
    next();
  };
}

/**
 * A router serving `routes`: each route's chain as its declaration asks, then 405 for other methods on its
 * path. Paths are case-sensitive; a trailing slash is allowed.
 */
export function mountRoutes(ctx: GatewayContext, routes: readonly Route[]): Router {
  const router = express.Router({ caseSensitive: true });
  // One in-flight counter for all routes: the limit is the gateway's, not a route's.
  const shed = shedLoad(ctx);
  const byLimit = limitByAddress(ctx);
  const body = jsonBody(ctx.bodyLimitBytes);
  const paths = new Map<string, Route[]>();
  for (const route of routes) paths.set(route.path, [...(paths.get(route.path) ?? []), route]);
  for (const [path, samePath] of paths) {
    const methods = router.route(path);
    for (const route of samePath) {
      const chain: RequestHandler[] = [named(path)];
      if (route.probe !== true) chain.push(shed);
      if (route.scope !== undefined) chain.push(authenticate(ctx, route.scope));
      if (route.limitByAddress === true) chain.push(byLimit);
      if (route.jsonBody === true) chain.push(body);
      chain.push(route.handle);
      if (route.method === 'GET') methods.get(chain);
      else if (route.method === 'DELETE') methods.delete(chain);
      else methods.post(chain);
    }
    // Express answers HEAD with a GET route, so HEAD is allowed wherever GET is.
    const allow = samePath.flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
    methods.all(methodNotAllowed(path, allow));
  }
  return router;
}
