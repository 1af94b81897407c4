import type { RequestHandler } from 'express';
import type { GatewayContext } from './gateway-context.js';
import { authRoutes } from './routes/auth.js';
import { cartRoutes } from './routes/cart.js';
import { orderRoutes } from './routes/orders.js';
import { probeRoutes } from './routes/probes.js';
import { productRoutes } from './routes/products.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { userRoutes } from './routes/users.js';

/** One route of the gateway: what it needs before its handler runs is declared here, not in the handler. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** An express path (`/orders/:id`); also the route label of metrics, spans and logs. */
  path: string;
  /** The scope a bearer token must grant; without one the route is public. */
  scope?: string;
  /** Public routes counted against the client's address (authenticated ones count against the token's user). */
  limitByAddress?: true;
  /** Reads a JSON body (after authentication: a body without a valid token is never read). */
  jsonBody?: true;
  /** Probes and metrics: never shed, never counted, spans not exported. */
  probe?: true;
  handle: RequestHandler;
}

/**
 * Every route the gateway serves, in one place. Each runs behind the request scope (id, span, logs, metrics);
 * then, in this order: the in-flight limit (all but probes), authentication with the rate limit of the token's
 * user, or the rate limit of the client's address; the JSON body; the handler. Another method on a listed path
 * is 405 with `Allow`; any other path 404; every error is answered by `answerErrors` (middleware/).
 * Handlers answer with `sendJson` (@mesh/common: one writeHead and end), not `res.json()`, whose content-type
 * handling cost about 95 µs of CPU per answer here, more than the rest of the handler (docs/benchmarks.md).
 */
export function routeTable(ctx: GatewayContext): Route[] {
  const orders = orderRoutes(ctx);
  const products = productRoutes(ctx);
  const auth = authRoutes(ctx);
  const users = userRoutes(ctx);
  const probes = probeRoutes(ctx);
  const cart = cartRoutes(ctx);
  const recommendations = recommendationRoutes(ctx);
  return [
    { method: 'POST', path: '/orders', scope: 'orders:write', jsonBody: true, handle: orders.place },
    { method: 'GET', path: '/orders/:id', scope: 'orders:read', handle: orders.show },
    { method: 'GET', path: '/products', limitByAddress: true, handle: products.list },
    { method: 'GET', path: '/products/:sku', limitByAddress: true, handle: products.show },
    // The cart is the token's user's: reading it is orders:read, changing it and checking out orders:write.
    { method: 'GET', path: '/cart', scope: 'orders:read', handle: cart.show },
    { method: 'POST', path: '/cart', scope: 'orders:write', jsonBody: true, handle: cart.change },
    { method: 'DELETE', path: '/cart', scope: 'orders:write', handle: cart.clear },
    // Before /cart/:sku, whose 405 would otherwise answer POST /cart/checkout.
    { method: 'POST', path: '/cart/checkout', scope: 'orders:write', jsonBody: true, handle: cart.checkout },
    { method: 'DELETE', path: '/cart/:sku', scope: 'orders:write', handle: cart.removeLine },
    { method: 'GET', path: '/recommendations', scope: 'orders:read', handle: recommendations.list },
    { method: 'POST', path: '/auth/login', limitByAddress: true, jsonBody: true, handle: auth.login },
    { method: 'GET', path: '/users/:id', scope: 'users:read', handle: users.show },
    { method: 'GET', path: '/health', probe: true, handle: probes.health },
    { method: 'GET', path: '/ready', probe: true, handle: probes.ready },
    { method: 'GET', path: '/livez', probe: true, handle: probes.live },
    ...(probes.metrics
      ? [{ method: 'GET', path: '/metrics', probe: true, handle: probes.metrics } as const]
      : []),
  ];
}
