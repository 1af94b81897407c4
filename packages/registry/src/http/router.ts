import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeshError, isMeshError, parseTraceparent } from '@mesh/common';
import { deleteAgent, listAgents, methodNotAllowed } from './agent-routes.js';
import type { Caller, Handler, HandlerContext } from './context.js';
import { deleteCanary, getCanary, listCanaries, putCanary } from './canary-routes.js';
import { listEvents } from './event-routes.js';
import { getHealth, getMetrics, getRoot } from './health-routes.js';
import { headHeartbeat, postHeartbeat } from './heartbeat-routes.js';
import { proxyToAgent } from './proxy-route.js';
import { prometheusTargets } from './service-discovery-route.js';
import { traceRequest } from './request-span.js';
import { sendSpecError } from './respond.js';
import { watchAgent } from './watch-route.js';

interface Route {
  /** Route template, used as the metrics label. */
  readonly name: string;
  readonly methods: Readonly<Record<string, Handler>>;
  /** Served without a client certificate even in strict mode (probes and scrapes). */
  readonly open?: boolean;
}

const EXACT: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['/health', { name: '/health', methods: { GET: getHealth, HEAD: getHealth }, open: true }],
  ['/', { name: '/', methods: { GET: getRoot }, open: true }],
  ['/heartbeat', { name: '/heartbeat', methods: { POST: postHeartbeat } }],
  ['/agents', { name: '/agents', methods: { GET: listAgents } }],
  ['/events', { name: '/events', methods: { GET: listEvents } }],
  ['/metrics', { name: '/metrics', methods: { GET: getMetrics }, open: true }],
  ['/v1/sd/prometheus', { name: '/v1/sd/prometheus', methods: { GET: prometheusTargets } }],
  ['/canaries', { name: '/canaries', methods: { GET: listCanaries } }],
]);

/** Routes whose last segment (or, for the proxy, the whole remainder) is a parameter. */
const PREFIXED: readonly (readonly [string, Route, boolean])[] = [
  ['/heartbeat/', { name: '/heartbeat/{agent_id}', methods: { HEAD: headHeartbeat } }, false],
  ['/agents/', { name: '/agents/{agent_id}', methods: { DELETE: deleteAgent } }, false],
  ['/watch/', { name: '/watch/{agent_id}', methods: { GET: watchAgent } }, false],
  [
    '/canaries/',
    { name: '/canaries/{agent_name}', methods: { GET: getCanary, PUT: putCanary, DELETE: deleteCanary } },
    false,
  ],
  ['/proxy/', { name: '/proxy/{target}', methods: { GET: proxyToAgent, POST: proxyToAgent } }, true],
];

let requestCounter = 0;

function match(path: string): { route: Route; param: string } | undefined {
  const exact = EXACT.get(path);
  if (exact !== undefined) return { route: exact, param: '' };
  for (const [prefix, route, rest] of PREFIXED) {
    if (!path.startsWith(prefix)) continue;
    const param = path.slice(prefix.length);
    if (param === '' || (!rest && param.includes('/'))) return undefined;
    return { route, param: rest ? param : decodeURIComponent(param) };
  }
  return undefined;
}

function traceIdOf(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return parseTraceparent(header)?.traceId;
}

/** Dispatches one request without a framework: a map lookup, then a few prefix checks. */
export function createRequestListener(ctx: HandlerContext) {
  const debug = ctx.logger.isLevelEnabled('debug');
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const header = req.headers['x-request-id'];
    const requestId =
      typeof header === 'string' && header.length <= 128 ? header : `r${(requestCounter += 1)}`;
    let routeName = 'unmatched';
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      ctx.metrics.observe(routeName, method, res.statusCode, seconds);
      if (debug) {
        const traceId = traceIdOf(req.headers['traceparent']);
        ctx.logger.debug(
          {
            requestId,
            ...(traceId === undefined ? {} : { trace_id: traceId }),
            method,
            route: routeName,
            status: res.statusCode,
            ms: seconds * 1000,
          },
          'request',
        );
      }
    });
    const fail = (error: unknown): void => {
      if (isMeshError(error)) {
        sendSpecError(res, error, requestId);
        return;
      }
      const traceId = traceIdOf(req.headers['traceparent']);
      ctx.logger.error({ err: error, requestId, trace_id: traceId, path, method }, 'request failed');
      sendSpecError(res, new MeshError('INTERNAL', 'internal error'), requestId, 500);
    };
    try {
      const found = match(path);
      if (found === undefined) throw new MeshError('NOT_FOUND', `no route for ${path}`);
      routeName = found.route.name;
      const handler = found.route.methods[method];
      if (handler === undefined) throw methodNotAllowed(method, found.route.name);
      let caller: Caller | undefined;
      if (ctx.trust && found.route.open !== true) {
        const peer = ctx.trust.authenticate(req);
        if (!peer.authenticated)
          throw ctx.trust.unauthenticated(peer.reason, `${method} ${found.route.name}`);
        caller = { identity: peer.identity, names: peer.names };
        ctx.trust.require(
          ctx.trust.policy.member(peer.identity),
          peer.identity,
          `${method} ${found.route.name}`,
        );
      }
      traceRequest(ctx.tracer, found.route.name, req, res, () => {
        const result = handler(req, res, ctx, found.param, requestId, caller);
        if (result !== undefined) result.catch(fail);
      });
    } catch (error: unknown) {
      fail(error);
    }
  };
}
