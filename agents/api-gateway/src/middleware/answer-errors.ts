import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MeshError, sendJson, toMeshError } from '@mesh/common';
import { statusForError } from '../error-status.js';
import type { GatewayContext } from '../gateway-context.js';
import { refusalFields } from '../order-refusals.js';
import { findScope, scopeOf } from '../request-scope.js';
import { SHED_ROUTE } from './shed-load.js';

/** After every route: a path no route serves is a JSON 404, like every other error. */
export const noRoute: RequestHandler = (req) => {
  throw new MeshError('NOT_FOUND', `no route for ${req.method} ${req.path}`);
};

/** After a path's methods: any other method is 405 with the `Allow` header listing the ones it has. */
export function methodNotAllowed(route: string, allow: readonly string[]): RequestHandler {
  const header = allow.join(', ');
  return (req, res) => {
    scopeOf(res).route = route;
    res.setHeader('allow', header);
    throw new MeshError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${route}`);
  };
}

/** What express itself throws as a MeshError: its router's URIError for a path it cannot decode is the client's. */
function asMeshError(raw: unknown): MeshError {
  if (raw instanceof URIError) return new MeshError('BAD_REQUEST', 'malformed percent-encoding in the path');
  return toMeshError(raw);
}

/**
 * The gateway's only error handler (express's own, which answers HTML with a stack trace, never runs): every
 * error becomes `{error: {code, message, requestId}}` with the status its code means, plus `field` and
 * `details` on a 400, the public fields of a refused order, `WWW-Authenticate` on 401 and `Retry-After` on 429
 * and 503. A 500 says only "internal error" to the client; the log line has the real message (shed requests are
 * logged by shedLoad, once a second).
 */
export function answerErrors(ctx: GatewayContext): ErrorRequestHandler {
  return (raw: unknown, req, res, _next) => {
    const error = asMeshError(raw);
    const scope = findScope(res);
    const status = statusForError(error);
    if (scope !== undefined) {
      scope.failure = error.code;
      if (scope.route === '/orders' && req.method === 'POST') scope.orderFailed = true;
    }
    const headers: Record<string, string> = {};
    if (status === 401) headers['www-authenticate'] = 'Bearer';
    if (status === 503) headers['retry-after'] = ctx.retryAfter;
    if (status === 429) {
      headers['retry-after'] = String(error.data?.['retryAfterSeconds'] ?? 60);
      ctx.metrics?.rateLimited.inc();
    }
    const body: { error: Record<string, unknown> } = {
      error: {
        code: error.code,
        message: status >= 500 && status !== 503 && status !== 504 ? 'internal error' : error.message,
        requestId: scope?.requestId,
      },
    };
    Object.assign(body.error, refusalFields(error));
    if (status === 400 && error.data?.['field'] !== undefined) {
      body.error['field'] = error.data['field'];
      body.error['details'] = error.data['details'];
    }
    if (status >= 500 && scope?.route !== SHED_ROUTE) {
      (scope?.logger ?? ctx.logger)[status === 500 ? 'error' : 'warn'](
        { err: error.message, code: error.code, route: scope?.route, order_id: scope?.orderId },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, status, body, headers);
  };
}
