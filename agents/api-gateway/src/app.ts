import express from 'express';
import type { Express } from 'express';
import { gatewayContext } from './gateway-context.js';
import type { GatewayOptions } from './gateway-context.js';
import { answerErrors, noRoute } from './middleware/answer-errors.js';
import { mountRoutes } from './mount-routes.js';
import { requestScope } from './request-scope.js';
import { routeTable } from './routes.js';

/**
 * Creates the gateway's express app (no listening: server.ts or a test mounts it on node:http). The routes are
 * the table in routes.ts; every request runs inside its request scope (id, server span, logs, metrics); what
 * no route serves is a JSON 404, and every error, express's own included, is answered by `answerErrors`.
 */
export function createGateway(options: GatewayOptions): Express {
  const ctx = gatewayContext(options);
  const routes = routeTable(ctx);
  const app = express();
  app.disable('x-powered-by');
  // Answers are per request (orders, tokens): no ETag, no 304.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestScope(ctx, new Set(routes.filter((route) => route.probe).map((route) => route.path))));
  app.use(mountRoutes(ctx, routes));
  app.use(noRoute);
  app.use(answerErrors(ctx));
  return app;
}
