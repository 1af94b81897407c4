import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { MeshError, formatTraceparent, parseTraceparent } from '@mesh/common';
import type { Logger, TraceContext } from '@mesh/common';
import { createTracing } from '@mesh/runtime';
import type { SpanHandle } from '@mesh/runtime';
import type { GatewayContext } from './gateway-context.js';
import type { VerifiedToken } from './mesh-ports.js';

/** What the gateway knows about one request while serving it (kept in `res.locals`). */
export interface RequestScope {
  readonly requestId: string;
  /** The request's server span: the root of the trace (or the child of an incoming traceparent). */
  readonly span: SpanHandle;
  readonly trace: TraceContext;
  /** Logs of the request: they carry its requestId, and trace_id and span_id from the log context. */
  readonly logger: Logger;
  /** The route template (`/orders/:id`), `unknown` until a route matched, `shed` when shed. */
  route: string;
  orderId?: string;
  /** The error code the request failed with, or the code of the order that failed (declined, out of stock). */
  failure?: string;
  /** Whether the request was an order the mesh refused or that failed: its span is an error even as a 4xx. */
  orderFailed?: boolean;
  /** The caller's verified token, once `authenticate` let the request through. */
  auth?: VerifiedToken;
}

const SCOPE_KEY = 'meshRequestScope';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The scope `requestScope` made for this response, if it ran. */
export function findScope(res: Response): RequestScope | undefined {
  return res.locals[SCOPE_KEY] as RequestScope | undefined;
}

/** The request's scope; every route runs behind `requestScope`, so a missing one is a wiring fault. */
export function scopeOf(res: Response): RequestScope {
  const scope = findScope(res);
  if (scope === undefined)
    throw new MeshError('INTERNAL', 'request scope missing: requestScope() must run first');
  return scope;
}

/** The caller's verified token; only routes behind `authenticate` ask for it. */
export function authOf(res: Response): VerifiedToken {
  const auth = scopeOf(res).auth;
  if (auth === undefined) throw new MeshError('INTERNAL', 'route reads a token without authenticate()');
  return auth;
}

/**
 * Ends a request's span when its response is done (or the client went away). A server error, and an order that
 * failed or was refused, end with ERROR status; another client error (bad input, no token, unknown route) is the
 * client's, so its status stays unset as the HTTP conventions ask, with its code in `mesh.outcome` all the same.
 */
function endRequestSpan(scope: RequestScope, req: Request, res: Response): void {
  const { span } = scope;
  const status = res.statusCode;
  span.updateName(`${req.method} ${scope.route}`);
  span.setAttribute('http.route', scope.route);
  span.setAttribute('http.response.status_code', status);
  if (scope.orderId !== undefined) span.setAttribute('order.id', scope.orderId);
  if (!res.writableFinished) {
    span.endFailed('CLIENT_CLOSED', 'the client closed the connection before the answer');
    return;
  }
  const outcome = scope.failure ?? (status >= 400 ? `HTTP_${status}` : 'ok');
  if (status >= 500 || (status >= 400 && scope.orderFailed === true)) {
    span.endFailed(outcome);
    return;
  }
  span.setAttribute('mesh.outcome', outcome);
  span.end();
}

/**
 * The first middleware: gives the request its id (the client's `x-request-id` if well-formed), its server span
 * (continuing an incoming `traceparent`), a logger, and its metrics and request log line when it is answered;
 * then runs the rest of the chain inside the span, so the mesh calls, store queries and log lines belong to it.
 * Requests to `quietPaths` (probes, scrapes every few seconds) get span ids only, never exported: they would
 * bury the requests in the trace store.
 */
export function requestScope(ctx: GatewayContext, quietPaths: ReadonlySet<string>): RequestHandler {
  const idsOnly = createTracing();
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const path = req.path;
    const spans = quietPaths.has(path) ? idsOnly : ctx.tracing;
    const span = spans.start(req.method, {
      kind: 'server',
      parent: parseTraceparent(req.get('traceparent')),
      ...(spans.exporting
        ? {
            attributes: {
              'http.request.method': req.method,
              'url.path': path,
              'url.scheme': 'http',
              'mesh.request_id': requestId,
            },
          }
        : {}),
    });
    const scope: RequestScope = {
      requestId,
      span,
      trace: span.trace,
      route: 'unknown',
      // trace_id and span_id come from the log context the request runs in.
      logger: ctx.logger.child({ requestId }),
    };
    res.locals[SCOPE_KEY] = scope;
    res.setHeader('x-request-id', requestId);
    res.setHeader('traceparent', formatTraceparent(scope.trace));
    res.once('close', () => endRequestSpan(scope, req, res));
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      ctx.metrics?.observeRequest(
        scope.route,
        req.method,
        res.statusCode,
        seconds,
        scope.trace.sampled ? scope.trace.traceId : undefined,
      );
      scope.logger.debug(
        {
          method: req.method,
          route: scope.route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          order_id: scope.orderId,
        },
        'request',
      );
    });
    span.run(() => next());
  };
}
