import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@mesh/common';
import type { Registry } from 'prom-client';
import { handleMcp } from './mcp-handler.js';
import type { McpEndpoint } from './mcp-handler.js';
import type { MeshStreamServer } from './mesh-stream-server.js';
import type { RuntimeMetrics } from './metrics.js';
import { answerProbe, sendJson } from './probe-server.js';

/** Readiness as /ready reports it. */
export interface ReadinessState {
  ready: boolean;
  runtime: 'up' | 'starting' | 'shutting_down' | 'standalone';
  reason?: string;
}

/** The verdict of the user's health check, as /health reports it. */
export interface HealthState {
  status: 'healthy' | 'unhealthy' | 'degraded' | 'starting';
  message?: string;
  checkedAt?: string;
}

export interface HttpServerOptions {
  agentName: string;
  agentId: string;
  mcp: McpEndpoint;
  metrics: RuntimeMetrics;
  /** The agent's own registries, rendered after the runtime's. */
  extraMetrics?: readonly Registry[];
  logger: Logger;
  readiness(): ReadinessState;
  health(): HealthState;
  /** Serve HTTPS with these options (strict mode); probes stay open, `/mcp` checks the caller (mcp.guard). */
  tls?: https.ServerOptions;
  /** Accepts mesh streams (`Upgrade: mesh-mcp/1` on /mcp): many calls on one connection. */
  streams?: MeshStreamServer;
}

/** The agent's server: plain HTTP, or HTTPS in strict mode. */
export type AgentServer = http.Server | https.Server;

/**
 * The agent's HTTP server on raw node:http: /mcp, /livez, /ready, /health (see probe-server.ts), /metrics. Keep-alive idles longer
 * than clients' pools so pooled connections are not cut under them.
 */
export function createHttpServer(options: HttpServerOptions): AgentServer {
  const handler: http.RequestListener = (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const head = req.method === 'HEAD';
    if (path === '/mcp' || path === '/mcp/') {
      handleMcp(req, res, options.mcp).catch((error: unknown) => {
        options.logger.error({ err: error }, 'unexpected error serving /mcp');
        if (!res.headersSent)
          sendJson(
            res,
            500,
            { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } },
            false,
          );
        else res.destroy();
      });
      return;
    }
    if (answerProbe(path, head, res, options)) return;
    switch (path) {
      case '/metrics':
        options.metrics.render(options.extraMetrics).then(
          ({ contentType, body }) => {
            res.writeHead(200, { 'content-type': contentType });
            res.end(head ? undefined : body);
          },
          (error: unknown) => {
            options.logger.error({ err: error }, 'metrics failed');
            sendJson(res, 500, { error: { code: 'INTERNAL', message: 'metrics failed' } }, head);
          },
        );
        return;
      default:
        sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route for ${path}` } }, head);
    }
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  if (options.streams) server.on('upgrade', options.streams.accept);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** Listens and resolves with the bound port. */
export function listen(server: AgentServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
