import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TopologySource } from './topology-source.js';

/** The page's files, shipped in the package (`packages/registry/ui`) and served as they are: no build step. */
export const TOPOLOGY_UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/topology.js': { file: 'topology.js', type: 'text/javascript; charset=utf-8' },
  '/topology.css': { file: 'topology.css', type: 'text/css; charset=utf-8' },
};

/** Loopback names a browser on this machine may use; anything else in `Host` is refused (DNS rebinding). */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface TopologyServerOptions {
  readonly source: TopologySource;
  /** Where the page's files are (default TOPOLOGY_UI_DIR). */
  readonly uiDir?: string;
  /** SSE keep-alive comment interval (default 15 s). */
  readonly pingMs?: number;
}

export interface TopologyServer {
  readonly server: http.Server;
  /** Listens on `host:port` (port 0: any free one) and resolves with the page's URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:",
  });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  send(res, status, 'application/json', JSON.stringify({ error: { code, message } }));
}

/**
 * The live topology page and its data: `/` (HTML, one JS module, CSS), `GET /api/topology` (the current
 * TopologySnapshot) and `GET /api/events` (Server-Sent Events, `event: topology` with each changed snapshot).
 * Read-only; meant to listen on loopback only, since it speaks to the mesh with the operator's certificate.
 */
export function createTopologyServer(options: TopologyServerOptions): TopologyServer {
  const uiDir = options.uiDir ?? TOPOLOGY_UI_DIR;
  const streams = new Set<http.ServerResponse>();
  const unsubscribe = options.source.subscribe((snapshot) => {
    const frame = `event: topology\ndata: ${JSON.stringify(snapshot)}\n\n`;
    for (const res of streams) res.write(frame);
  });
  const ping = setInterval(() => {
    for (const res of streams) res.write(': ping\n\n');
  }, options.pingMs ?? 15_000);
  ping.unref();

  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!LOCAL_HOSTS.has(host)) {
      sendError(res, 403, 'FORBIDDEN', 'the topology page answers only to loopback host names');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'METHOD_NOT_ALLOWED', 'read-only: GET only');
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/api/topology') {
      send(res, 200, 'application/json', JSON.stringify(options.source.snapshot));
      return;
    }
    if (path === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(`event: topology\ndata: ${JSON.stringify(options.source.snapshot)}\n\n`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    const entry = FILES[path];
    if (entry === undefined) {
      sendError(res, 404, 'NOT_FOUND', `no route for ${path}`);
      return;
    }
    readFile(`${uiDir}/${entry.file}`).then(
      (body) => send(res, 200, entry.type, body),
      () => sendError(res, 500, 'UI_MISSING', `${entry.file} is missing from ${uiDir}`),
    );
  });

  return {
    server,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const bound = (server.address() as AddressInfo).port;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${bound}/`);
        });
      });
    },
    close() {
      unsubscribe();
      clearInterval(ping);
      for (const res of streams) res.end();
      streams.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
