import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bornWith, type AppPrototypes } from './born-prototypes.js';

export interface ListeningServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** Stops accepting connections, closes idle keep-alive ones and waits for in-flight requests. */
  close(): Promise<void>;
}

/**
 * Mounts the handler on node:http with bounded header/request times and keep-alive that outlives nginx's. An
 * express app's requests and responses are born with its prototypes (born-prototypes.ts), so they keep one
 * shape instead of each changing prototype in `app.handle`.
 */
export async function listen(
  handler: ((req: IncomingMessage, res: ServerResponse) => void) & Partial<AppPrototypes>,
  port: number,
  host: string,
  requestTimeoutMs: number,
): Promise<ListeningServer> {
  const { request, response } = handler;
  const born = request !== undefined && response !== undefined ? bornWith({ request, response }) : undefined;
  const server = createServer(
    { requestTimeout: requestTimeoutMs, headersTimeout: Math.min(15_000, requestTimeoutMs), ...born },
    handler,
  );
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    server,
    port: actual,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
