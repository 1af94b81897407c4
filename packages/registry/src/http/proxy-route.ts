import { request } from 'node:http';
import { request as tlsRequest } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { MeshError } from '@mesh/common';
import type { Handler } from './context.js';
import { proxyTargetUrl } from './proxy-target.js';
import { authorizeProxy } from './access.js';

/** Headers passed through to the agent and back; nothing else (no cookies, no hop-by-hop headers). */
const FORWARD_REQUEST = [
  'content-type',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'traceparent',
  'tracestate',
  'x-trace-id',
  'x-parent-span',
  'x-mesh-timeout',
  'x-request-id',
];
const FORWARD_RESPONSE = ['content-type', 'mcp-session-id', 'cache-control', 'traceparent'];
const PROXY_TIMEOUT_MS = 60_000;

function pick(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * `GET|POST /proxy/{host}:{port}/mcp…[?query]` (the official form): forwards to a registered agent's MCP
 * endpoint only. The target must equal a registered agent's endpoint and the path, once resolved, must be
 * `/mcp` or below it (see proxyTargetUrl), so the registry can never be used to reach anything else.
 */
export const proxyToAgent: Handler = (req, res, ctx, target, _requestId, caller) => {
  authorizeProxy(ctx, caller);
  const slash = target.indexOf('/');
  if (slash <= 0) {
    throw new MeshError('BAD_REQUEST', 'proxy target must be {host}:{port}/mcp[/...]', {
      data: { field: 'target' },
    });
  }
  const hostPort = target.slice(0, slash);
  const endpoint = `${ctx.trust ? 'https' : 'http'}://${hostPort}`;
  const url = proxyTargetUrl(endpoint, target.slice(slash));
  // The router matched the path alone; the query goes to the agent as sent (the official proxy drops it).
  const rawUrl = req.url ?? '';
  const queryAt = rawUrl.indexOf('?');
  if (queryAt >= 0) url.search = rawUrl.slice(queryAt);
  let agentName: string | undefined;
  for (const state of ctx.registry.agentStates()) {
    if (state.record.endpoint === endpoint) {
      agentName = state.record.name;
      break;
    }
  }
  if (agentName === undefined) {
    throw new MeshError('NOT_FOUND', `no registered agent at ${hostPort}`, { data: { field: 'target' } });
  }
  return new Promise<void>((resolve) => {
    const options = {
      method: req.method,
      headers: pick(req.headers, FORWARD_REQUEST),
      timeout: PROXY_TIMEOUT_MS,
    };
    // With mTLS the registry calls as itself, and only an agent whose certificate names that agent is reached.
    const upstream = ctx.trust
      ? tlsRequest(url, { ...options, ...ctx.trust.proxyTls(agentName) }, onResponse)
      : request(url, options, onResponse);
    function onResponse(response: IncomingMessage): void {
      res.writeHead(response.statusCode ?? 502, pick(response.headers, FORWARD_RESPONSE));
      response.pipe(res);
      response.on('end', resolve);
      response.on('error', () => {
        res.destroy();
        resolve();
      });
    }
    upstream.on('timeout', () => upstream.destroy(new Error('proxy timeout')));
    upstream.on('error', (error) => {
      ctx.logger.warn({ err: error, target: endpoint }, 'proxy to agent failed');
      if (!res.headersSent) {
        const body = JSON.stringify({
          error: `agent at ${hostPort} unreachable`,
          timestamp: new Date().toISOString(),
          details: { code: 'CONNECTION_FAILED' },
        });
        res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } else {
        res.destroy();
      }
      resolve();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
};
