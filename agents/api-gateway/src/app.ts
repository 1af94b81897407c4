import { randomUUID } from 'node:crypto';
import { isIP, type BlockList } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  MeshError,
  formatTraceparent,
  httpStatusForCode,
  parseTraceparent,
  readJsonBody,
  sendJson,
  silentLogger,
  toMeshError,
} from '@mesh/common';
import type { Logger, TraceContext } from '@mesh/common';
import { createTracing } from '@mesh/runtime';
import type { SpanHandle, SpanStarter } from '@mesh/runtime';
import { clientAddressOf } from './client-address.js';
import type { GatewayMetrics } from './metrics.js';
import type { MeshPorts, VerifiedToken } from './mesh-ports.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenCache } from './token-cache.js';
import { settleOrder } from './order-outcome.js';
import { refusalFields, refusedOrderStatus } from './order-refusals.js';
import { loginBody, orderBody, pathId, productsQuery, validate } from './validation.js';

/** What the gateway needs; services.ts wires the real ones, tests pass fakes. */
export interface GatewayOptions {
  mesh: MeshPorts;
  limiter: RateLimiter;
  tokens: TokenCache;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** How long POST /orders waits for the saga (ORDER_PROCESSING_TIMEOUT plus room for compensation). */
  orderTimeoutMs: number;
  /** How long other mesh calls may take. */
  requestTimeoutMs: number;
  /** Peers (nginx) whose X-Forwarded-For names the client; everyone else is their socket's address. */
  trustedProxies: BlockList;
  /** Whether the mesh runtime has started (for /ready). */
  started: () => boolean;
  /** Requests served at once; past it a request is shed with 503 + Retry-After (probes are never shed). */
  maxInFlight?: number;
  /** Retry-After (seconds) on 503 answers: outages, shed load. */
  retryAfterSeconds?: number;
  /** Where request spans go (services.ts: the agent's, exported with OTEL_*); default: ids only. */
  tracing?: SpanStarter;
}

/** How long a POST /orders keeps re-sending an order whose order agent dropped the connection before storing it. */
const RESEND_WINDOW_MS = 15_000;

/** Capabilities without which the gateway cannot take orders (/ready, /health). */
export const REQUIRED_CAPABILITIES = ['order_processing', 'auth_verify_token'] as const;

/**
 * HTTP status of a failed order, so clients (and the load test's `status == 200` count) can tell outcomes
 * apart: a declined card is 402, a stock shortage or reused id 409, an unknown user 422, a saga timeout 504,
 * a dependency failure 503. Completed orders are 200.
 */
export function statusForFailedOrder(code: string): number {
  switch (code) {
    case 'PAYMENT_DECLINED':
      return 402;
    case 'OUT_OF_STOCK':
    case 'RESERVATION_EXPIRED':
    case 'CONFLICT':
      return 409;
    // An unknown user, or a charge the payment gateway refused as a client error (amount too small, unknown
    // payment method).
    case 'USER_NOT_FOUND':
    case 'PAYMENT_REJECTED':
      return 422;
    case 'TIMEOUT':
      return 504;
    default:
      return 503;
  }
}

/**
 * HTTP status of an error raised while serving a request. Storage trouble is never the client's fault, and an
 * upstream agent that failed unexpectedly (its database down, most often) is a service unavailable for now,
 * not a fault of the gateway: both are 503, which the client may retry after Retry-After.
 */
export function statusForError(error: MeshError): number {
  const refused = refusedOrderStatus(error.code);
  if (refused !== undefined) return refused;
  if (error.code === 'STORAGE_ERROR' || error.code === 'LEASE_LOST') return 503;
  if (error.code === 'INTERNAL' && error.data?.['remote'] === true) return 503;
  return httpStatusForCode(error.code);
}

/**
 * Ends a request's span when its response is done (or the client went away). A server error, and an order that
 * failed or was refused, end with ERROR status; another client error (bad input, no token, unknown route) is the
 * client's, so its status stays unset as the HTTP conventions ask, with its code in `mesh.outcome` all the same.
 */
function endRequestSpan(scope: RequestScope): void {
  const { span, res } = scope;
  const status = res.statusCode;
  span.updateName(`${scope.req.method ?? 'GET'} ${scope.route}`);
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

/** Routes that are never shed: probes and metrics must answer while the gateway is busy. */
const UNSHED = new Set(['/health', '/ready', '/livez', '/metrics']);

interface RequestScope {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** The request's server span: the root of the trace (or the child of an incoming traceparent). */
  span: SpanHandle;
  trace: TraceContext;
  logger: Logger;
  route: string;
  orderId?: string;
  /** The error code the request failed with, or the code of the order that failed (declined, out of stock). */
  failure?: string;
  /** Whether the request was an order the mesh refused or that failed: its span is an error even as a 4xx. */
  orderFailed?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

function scopeAllows(granted: readonly string[], required: string): boolean {
  if (granted.includes('admin') || granted.includes(required)) return true;
  const resource = required.split(':')[0];
  return resource !== undefined && granted.includes(`${resource}:*`);
}

/** Creates the gateway's request handler (no listening: server.ts or a test mounts it). */
export function createGateway(options: GatewayOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const baseLogger = options.logger ?? silentLogger();
  const { mesh, metrics } = options;
  const maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
  const retryAfter = String(options.retryAfterSeconds ?? 2);
  let inFlight = 0;
  const tracing = options.tracing ?? createTracing();
  // Probes and scrapes every few seconds would bury the requests in the trace store: ids only for them.
  const idsOnly = createTracing();

  const clientAddress = (req: IncomingMessage): string => clientAddressOf(req, options.trustedProxies);

  const limit = async (scope: RequestScope, client: string): Promise<void> => {
    try {
      await options.limiter.check(client);
    } catch (raw: unknown) {
      const error = toMeshError(raw);
      if (error.code === 'RATE_LIMITED') throw error;
      // The shared counter store is down: serve rather than refuse everyone (the limit is protection, not
      // correctness), and say so.
      scope.logger.warn({ err: error.message }, 'rate limit store unavailable; request not counted');
    }
  };

  const call = (scope: RequestScope, timeoutMs = options.requestTimeoutMs) => ({
    trace: scope.trace,
    timeoutMs,
  });

  const authenticate = async (scope: RequestScope, requiredScope: string): Promise<VerifiedToken> => {
    const header = scope.req.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) {
      await limit(scope, `ip:${clientAddress(scope.req)}`);
      throw new MeshError('UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)');
    }
    let verified = options.tokens.get(token);
    if (!verified) {
      try {
        verified = await mesh.verifyToken(token, call(scope));
      } catch (raw: unknown) {
        const error = toMeshError(raw);
        if (['UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_FAILED', 'BAD_REQUEST'].includes(error.code)) {
          await limit(scope, `ip:${clientAddress(scope.req)}`);
          throw new MeshError('UNAUTHORIZED', 'invalid or expired token');
        }
        throw error;
      }
      options.tokens.set(token, verified);
    }
    await limit(scope, `sub:${verified.user_id}`);
    if (!scopeAllows(verified.scopes, requiredScope)) {
      throw new MeshError('FORBIDDEN', `token lacks scope ${requiredScope}`);
    }
    return verified;
  };

  const readJson = async (scope: RequestScope): Promise<unknown> => {
    const type = scope.req.headers['content-type'];
    if (type !== undefined && !/json/i.test(type)) {
      throw new MeshError('UNSUPPORTED_MEDIA_TYPE', `expected application/json, got ${type}`);
    }
    return readJsonBody(scope.req, { limitBytes: options.bodyLimitBytes });
  };

  const postOrder = async (scope: RequestScope): Promise<void> => {
    const auth = await authenticate(scope, 'orders:write');
    const body = validate(orderBody, await readJson(scope));
    scope.orderId = body.order_id;
    if (body.user_id !== auth.user_id && !auth.scopes.includes('admin')) {
      throw new MeshError('FORBIDDEN', 'user_id must be the authenticated user');
    }
    const deadline = Date.now() + options.orderTimeoutMs;
    let result: Record<string, unknown>;
    try {
      result = await mesh.processOrder(body, call(scope, options.orderTimeoutMs));
    } catch (raw: unknown) {
      const error = toMeshError(raw);
      if (statusForError(error) < 500) throw error;
      // The outcome may not be what the error says: the order may be recorded and still finish (recovery
      // completes a charged order). Ask for it rather than answer an error that later turns into a charge.
      // A dropped connection may mean an order agent died before storing the order: it is sent again (safe by
      // order_id) within the order's time, so a 202 never stands for an order that was lost.
      const known = await settleOrder(error, {
        lookup: () => mesh.getOrder(body.order_id, call(scope, Math.min(options.requestTimeoutMs, 5_000))),
        resend: () => mesh.processOrder(body, call(scope, Math.max(1, deadline - Date.now()))),
        isClientError: (failure) => statusForError(failure) < 500,
        deadline: Math.min(deadline, Date.now() + RESEND_WINDOW_MS),
      });
      if (known.kind === 'not_taken') throw known.error;
      if (known.kind === 'result') result = known.result;
      else if (known.kind === 'pending') {
        metrics?.orders.inc({ status: 'pending', code: error.code });
        scope.logger.info({ order_id: body.order_id, code: error.code }, 'order outcome not known yet; 202');
        sendJson(
          scope.res,
          202,
          { status: 'pending', order_id: body.order_id },
          { location: `/orders/${encodeURIComponent(body.order_id)}` },
        );
        return;
      } else {
        result = { ...known.view, replayed: true };
        if (result['status'] === 'failed' && result['error'] === null) {
          result['error'] = { code: 'ORDER_FAILED', message: 'order failed' };
        }
      }
    }
    if (result['status'] === 'completed') {
      metrics?.orders.inc({ status: 'completed', code: '' });
      sendJson(scope.res, 200, {
        status: 'completed',
        order_id: body.order_id,
        payment_id: result['payment_id'] ?? null,
        replayed: result['replayed'] === true,
      });
      return;
    }
    const error = (result['error'] ?? {}) as { code?: string; message?: string };
    const code = error.code ?? 'ORDER_FAILED';
    scope.failure = code;
    scope.orderFailed = true;
    metrics?.orders.inc({ status: 'failed', code });
    scope.logger.debug({ order_id: body.order_id, code }, 'order failed');
    sendJson(scope.res, statusForFailedOrder(code), {
      status: 'failed',
      order_id: body.order_id,
      error: { code, message: error.message ?? 'order failed', requestId: scope.requestId },
      state: result['state'],
      replayed: result['replayed'] === true,
    });
  };

  const getOrder = async (scope: RequestScope, rawId: string): Promise<void> => {
    const auth = await authenticate(scope, 'orders:read');
    const orderId = validate(pathId, rawId, 'order id');
    scope.orderId = orderId;
    const notFound = new MeshError('NOT_FOUND', `order ${orderId} not found`);
    const view = await mesh.getOrder(orderId, call(scope)).catch((raw: unknown) => {
      throw toMeshError(raw).code === 'NOT_FOUND' ? notFound : raw;
    });
    // Another user's order is reported as missing rather than forbidden: ids are not an oracle.
    if (view['user_id'] !== auth.user_id && !auth.scopes.includes('admin')) throw notFound;
    sendJson(scope.res, 200, view);
  };

  const getUser = async (scope: RequestScope, rawId: string): Promise<void> => {
    const auth = await authenticate(scope, 'users:read');
    const userId = validate(pathId, rawId, 'user id');
    if (userId !== auth.user_id && !auth.scopes.includes('admin')) {
      throw new MeshError('FORBIDDEN', 'a user may only read their own profile');
    }
    const user = await mesh.getUser(userId, call(scope)).catch((raw: unknown) => {
      throw toMeshError(raw).code === 'NOT_FOUND'
        ? new MeshError('NOT_FOUND', `user ${userId} not found`)
        : raw;
    });
    sendJson(scope.res, 200, user);
  };

  /** Public: a catalogue is for anyone to read; counted against the client address like a login. */
  const listProducts = async (scope: RequestScope): Promise<void> => {
    await limit(scope, `ip:${clientAddress(scope.req)}`);
    const params = new URL(scope.req.url ?? '/', 'http://gateway').searchParams;
    const page = validate(productsQuery, Object.fromEntries(params), 'query');
    sendJson(scope.res, 200, await mesh.listProducts(page, call(scope)));
  };

  const login = async (scope: RequestScope): Promise<void> => {
    await limit(scope, `ip:${clientAddress(scope.req)}`);
    const credentials = validate(loginBody, await readJson(scope));
    // The auth agent throttles failed logins per address too; it only knows the client through us.
    const address = clientAddress(scope.req);
    const result = await mesh.login(
      { ...credentials, ...(isIP(address) === 0 ? {} : { client_address: address }) },
      call(scope),
    );
    sendJson(scope.res, 200, result);
  };

  const health = (scope: RequestScope, probe: 'health' | 'ready'): void => {
    const dependencies = mesh.dependencies();
    const up = options.started() && REQUIRED_CAPABILITIES.every((c) => (dependencies[c] ?? 0) > 0);
    if (probe === 'ready') {
      sendJson(scope.res, up ? 200 : 503, { ready: up });
      return;
    }
    sendJson(scope.res, up ? 200 : 503, {
      status: up ? 'ok' : 'degraded',
      service: 'api-gateway',
      dependencies: Object.fromEntries(
        Object.entries(dependencies).map(([capability, providers]) => [
          capability,
          { available: providers > 0, providers },
        ]),
      ),
    });
  };

  const dispatch = async (scope: RequestScope, method: string, path: string): Promise<void> => {
    let segments: string[];
    try {
      segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new MeshError('BAD_REQUEST', 'malformed percent-encoding in the path');
    }
    const [first, second, third] = segments;
    const allow = (methods: string, route: string): boolean => {
      scope.route = route;
      if (methods.split(',').includes(method)) return true;
      scope.res.setHeader('allow', methods);
      throw new MeshError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${route}`);
    };
    if (segments.length === 1 && (first === 'health' || first === 'ready' || first === 'livez')) {
      allow('GET,HEAD', `/${first}`);
      if (first === 'livez') sendJson(scope.res, 200, { status: 'alive' });
      else health(scope, first === 'ready' ? 'ready' : 'health');
      return;
    }
    if (segments.length === 1 && first === 'metrics' && metrics) {
      allow('GET', '/metrics');
      const text = await metrics.registry.metrics();
      scope.res.writeHead(200, { 'content-type': metrics.registry.contentType });
      scope.res.end(text);
      return;
    }
    if (first === 'orders' && segments.length === 1 && allow('POST', '/orders')) return postOrder(scope);
    if (first === 'orders' && segments.length === 2 && allow('GET', '/orders/:id'))
      return getOrder(scope, second!);
    if (first === 'products' && segments.length === 1 && allow('GET', '/products'))
      return listProducts(scope);
    if (first === 'users' && segments.length === 2 && allow('GET', '/users/:id'))
      return getUser(scope, second!);
    if (first === 'auth' && second === 'login' && third === undefined && allow('POST', '/auth/login')) {
      return login(scope);
    }
    scope.route = 'unknown';
    throw new MeshError('NOT_FOUND', `no route for ${method} ${path}`);
  };

  const fail = (scope: RequestScope, raw: unknown): void => {
    const error = toMeshError(raw);
    scope.failure = error.code;
    if (scope.route === '/orders' && scope.req.method === 'POST') scope.orderFailed = true;
    let status = statusForError(error);
    if (error.code === 'OVERLOADED') status = 503;
    if (error.code === 'METHOD_NOT_ALLOWED') status = 405;
    if (error.code === 'UNSUPPORTED_MEDIA_TYPE') status = 415;
    const headers: Record<string, string> = {};
    if (status === 401) headers['www-authenticate'] = 'Bearer';
    if (status === 503) headers['retry-after'] = retryAfter;
    if (status === 429) {
      headers['retry-after'] = String(error.data?.['retryAfterSeconds'] ?? 60);
      metrics?.rateLimited.inc();
    }
    const body: { error: Record<string, unknown> } = {
      error: {
        code: error.code,
        message: status >= 500 && status !== 503 && status !== 504 ? 'internal error' : error.message,
        requestId: scope.requestId,
      },
    };
    Object.assign(body.error, refusalFields(error));
    if (status === 400 && error.data?.['field'] !== undefined) {
      body.error['field'] = error.data['field'];
      body.error['details'] = error.data['details'];
    }
    if (status >= 500) {
      scope.logger[status === 500 ? 'error' : 'warn'](
        { err: error.message, code: error.code, route: scope.route, order_id: scope.orderId },
        'request failed',
      );
    }
    if (scope.res.headersSent) {
      scope.res.destroy();
      return;
    }
    sendJson(scope.res, status, body, headers);
  };

  /** Routes one request (inside its span, so the mesh calls, store queries and log lines belong to it). */
  const serve = (scope: RequestScope, method: string): void => {
    const { req, res } = scope;
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://gateway').pathname;
    } catch {
      fail(scope, new MeshError('BAD_REQUEST', 'malformed request URL'));
      return;
    }
    if (!UNSHED.has(path)) {
      if (inFlight >= maxInFlight) {
        // Shed early and cheaply, before the body is read or anything upstream is asked: a clear 503 the
        // client can retry beats a queue that ends in reset sockets.
        scope.route = 'shed';
        metrics?.shed.inc();
        req.resume();
        fail(
          scope,
          new MeshError('OVERLOADED', `the gateway is serving ${maxInFlight} requests; try again shortly`),
        );
        return;
      }
      inFlight += 1;
      res.once('close', () => {
        inFlight -= 1;
      });
    }
    dispatch(scope, method, path).catch((error: unknown) => fail(scope, error));
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const urlPath = (req.url ?? '/').split('?')[0]!;
    const spans = UNSHED.has(urlPath) ? idsOnly : tracing;
    const span = spans.start(method, {
      kind: 'server',
      parent: parseTraceparent(req.headers.traceparent as string | undefined),
      ...(spans.exporting
        ? {
            attributes: {
              'http.request.method': method,
              'url.path': urlPath,
              'url.scheme': 'http',
              'mesh.request_id': requestId,
            },
          }
        : {}),
    });
    const trace = span.trace;
    const scope: RequestScope = {
      req,
      res,
      requestId,
      span,
      trace,
      route: 'unknown',
      // trace_id and span_id come from the log context the request runs in.
      logger: baseLogger.child({ requestId }),
    };
    res.setHeader('x-request-id', requestId);
    res.setHeader('traceparent', formatTraceparent(trace));
    res.once('close', () => endRequestSpan(scope));
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics?.requests.inc({ route: scope.route, method: req.method ?? '', status: String(res.statusCode) });
      metrics?.duration.observe({ route: scope.route }, seconds);
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
    span.run(() => serve(scope, method));
  };
}
