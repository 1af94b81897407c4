import type { AddressInfo, Server } from 'node:net';

/**
 * Binds `server` to `host`:`port` (0: a free port) and resolves with the port it got; rejects with the bind
 * error (a port in use, an address not on this machine) instead of leaving it to an 'error' listener.
 */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** `host` as it stands in a URL: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
