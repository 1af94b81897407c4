import { connect, createServer, type Socket } from 'node:net';

/** A loopback port that forwards to a real server, opened when a test decides the server "comes up". */
export interface TcpForwarder {
  readonly port: number;
  /** Cuts every forwarded connection (the server "restarts") and keeps listening. */
  dropConnections(): void;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` (0: any free port) and pipes each connection to `target`. A test points a
 * client at a port before opening it here to see the client wait for a server that is not up yet.
 */
export async function startTcpForwarder(
  port: number,
  target: { host: string; port: number },
): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: bound,
    dropConnections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      }),
  };
}
