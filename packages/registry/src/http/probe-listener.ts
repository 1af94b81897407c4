import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { MeshError } from '@mesh/common';
import type { HandlerContext } from './context.js';
import { getHealth } from './health-routes.js';
import { sendSpecError } from './respond.js';

/** The loopback interface the probe listener binds: only a checker in the same container or pod reaches it. */
export const PROBE_HOST = '127.0.0.1';

/**
 * A plain-HTTP listener that answers `GET|HEAD /health` exactly as the registry port does, and 404 for
 * anything else. In strict mode the registry port speaks TLS; this one lets a container health check use a
 * shell's `/dev/tcp` instead of starting a TLS client (a Node process) every few seconds. `/ready` answers
 * as `/health` does (the registry listens only once its store is loaded), so one image-wide check that asks
 * `/ready` fits the registry and the agents alike.
 */
export function createProbeListener(ctx: HandlerContext): Server {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    if ((path === '/health' || path === '/ready') && (req.method === 'GET' || req.method === 'HEAD')) {
      void getHealth(req, res, ctx, '', 'probe', undefined);
      return;
    }
    sendSpecError(res, new MeshError('NOT_FOUND', `no probe at ${path}`), 'probe', 404);
  });
  // Probes open one short connection each; never hold idle ones.
  server.keepAliveTimeout = 1000;
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  return server;
}
