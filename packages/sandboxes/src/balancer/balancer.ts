import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MeshError, sendError, sendJson, type Logger } from '@mesh/common';
import { listenOn, urlHost } from '../listen.js';
import type { BackendAddress } from './config.js';
import { BackendPool, type Backend } from './backend-pool.js';

/** The balancer's own page (everything else is proxied): its backends, their health and requests served. */
export const BALANCER_STATUS_PATH = '/balancer-status';

/** Headers that describe one connection, not the message: never forwarded either way (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export interface BalancerOptions {
  readonly backends: readonly BackendAddress[];
  /** Path probed on every backend; 200 puts it (back) into rotation. */
  readonly healthPath: string;
  readonly healthIntervalMs: number;
  readonly logger?: Logger;
}

export interface HttpBalancer {
  readonly pool: BackendPool;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  // The backend trusts loopback proxies (TRUSTED_PROXIES) and reads the client from the right of this list.
  const peer = req.socket.remoteAddress ?? '';
  const previous = req.headers['x-forwarded-for'];
  const chain = Array.isArray(previous) ? previous.join(', ') : previous;
  headers['x-forwarded-for'] = chain ? `${chain}, ${peer}` : peer;
  return headers;
}

function responseHeaders(upstream: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream.headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  return headers;
}

/** A request that may be sent again after a backend dropped it unanswered: safe method, no body. */
function retriable(req: IncomingMessage): boolean {
  const safe = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
  const length = req.headers['content-length'];
  return safe && (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

/**
 * A round-robin HTTP reverse proxy over a fixed list of replicas, for a local start that runs several replicas
 * of an agent with a fixed public port (the gateway's 8080). Health-aware twice over: a probe of every backend
 * each interval takes failing ones out of rotation, and a refused connection marks its backend down and moves
 * the request to the next one at once. That retry is safe for any method: a request whose connection was
 * never established reached no one, and its body has not been read yet. Once connected, the request body is
 * streamed through and the response streamed back unbuffered (server-sent events, chunked answers).
 */
export function createBalancer(options: BalancerOptions): HttpBalancer {
  const pool = new BackendPool(options.backends);
  const log = options.logger;

  const markDown = (backend: Backend, reason: string): void => {
    if (backend.healthy) log?.warn({ backend: `${backend.host}:${backend.port}`, reason }, 'backend down');
    backend.healthy = false;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, tried: Set<Backend>): void => {
    const backend = pool.pick(tried);
    if (backend === undefined) {
      sendError(
        res,
        new MeshError('DEPENDENCY_UNAVAILABLE', `no backend answers (${tried.size} tried)`),
        undefined,
        503,
      );
      return;
    }
    tried.add(backend);
    let connected = false;
    // A fresh connection per request: a kept-alive one could be closed by a draining replica under our feet.
    const upstream = request({
      host: backend.host,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req),
      agent: false,
    });
    upstream.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
        // A retried request without a body has been read to its end already: end the new one by hand.
        if (req.readableEnded) upstream.end();
        else req.pipe(upstream);
      });
    });
    let answered = false;
    upstream.on('response', (answer) => {
      answered = true;
      backend.served += 1;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders(answer));
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected) {
        markDown(backend, error.code ?? error.message);
        forward(req, res, tried);
        return;
      }
      // Connected, but the backend closed before answering: a replica that is shutting down closes the
      // connections it accepted and had not read yet. A request that changes nothing (GET, HEAD, OPTIONS)
      // and carries no body can go to the next backend (RFC 9110 9.2.2); any other may have been acted on.
      if (!res.headersSent && !answered && retriable(req)) {
        markDown(backend, error.code ?? error.message);
        forward(req, res, tried);
        return;
      }
      // Connected and failed mid-way: the backend may have acted on it, so no retry.
      log?.warn({ backend: `${backend.host}:${backend.port}`, err: error }, 'backend failed mid-request');
      if (!res.headersSent)
        sendError(
          res,
          new MeshError('DEPENDENCY_UNAVAILABLE', 'the backend failed mid-request'),
          undefined,
          502,
        );
      else res.destroy();
    });
    // The client went away: stop the upstream exchange too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  };

  const server: Server = createServer((req, res) => {
    if (req.url === BALANCER_STATUS_PATH && req.method === 'GET') {
      sendJson(res, 200, {
        backends: pool.backends.map((b) => ({
          address: `${b.host}:${b.port}`,
          healthy: b.healthy,
          served: b.served,
        })),
      });
      return;
    }
    forward(req, res, new Set());
  });

  const probe = (backend: Backend): Promise<void> =>
    new Promise((resolve) => {
      const check = request(
        {
          host: backend.host,
          port: backend.port,
          path: options.healthPath,
          agent: false,
          timeout: Math.max(200, options.healthIntervalMs),
        },
        (answer) => {
          answer.resume();
          if (answer.statusCode === 200) {
            if (!backend.healthy) log?.info({ backend: `${backend.host}:${backend.port}` }, 'backend up');
            backend.healthy = true;
          } else markDown(backend, `${options.healthPath} answered ${answer.statusCode ?? '?'}`);
          resolve();
        },
      );
      check.on('timeout', () => check.destroy(new Error('probe timed out')));
      check.on('error', (error: NodeJS.ErrnoException) => {
        markDown(backend, error.code ?? error.message);
        resolve();
      });
      check.end();
    });

  let timer: NodeJS.Timeout | undefined;
  let probing: Promise<unknown> = Promise.resolve();
  const probeAll = (): void => {
    probing = Promise.all(pool.backends.map(probe)).finally(() => {
      if (timer !== undefined) timer = setTimeout(probeAll, options.healthIntervalMs);
    });
  };

  return {
    pool,
    async listen(port, host) {
      const bound = await listenOn(server, port, host);
      timer = setTimeout(probeAll, 0);
      return { url: `http://${urlHost(host)}:${bound}`, port: bound };
    },
    async close() {
      clearTimeout(timer);
      timer = undefined;
      await probing;
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
