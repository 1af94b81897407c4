import { MemorySharedStore } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { SpanStarter } from '@mesh/runtime';
import { createGateway } from './app.js';
import { parseTrustedProxies } from './client-address.js';
import { GatewayMetrics } from './metrics.js';
import type { MeshPorts } from './mesh-ports.js';
import { RateLimiter } from './rate-limiter.js';
import { listen, type ListeningServer } from './server.js';
import { TokenCache } from './token-cache.js';

/** Loose JSON for assertions on response bodies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** Settings a gateway test may change; the rest are small, fixed test values. */
export interface TestGatewaySettings {
  rateLimit?: number;
  maxInFlight?: number;
  /** TRUSTED_PROXIES syntax (default loopback). */
  trustedProxies?: string;
  /** Spans of the requests (default: ids only, nothing recorded). */
  tracing?: SpanStarter;
  logger?: Logger;
}

/** Starts a gateway on a free loopback port over `mesh`; `close` stops every one started. */
export function gatewayServers(): {
  start(mesh: MeshPorts, settings?: TestGatewaySettings): Promise<string>;
  close(): Promise<void>;
} {
  const servers: ListeningServer[] = [];
  return {
    async start(
      mesh,
      { rateLimit = 1000, maxInFlight, trustedProxies = '127.0.0.0/8,::1', tracing, logger } = {},
    ) {
      const app = createGateway({
        mesh,
        limiter: new RateLimiter(new MemorySharedStore({ prefix: 't' }), rateLimit, 60_000),
        tokens: new TokenCache(5_000),
        metrics: new GatewayMetrics(false),
        bodyLimitBytes: 4_096,
        orderTimeoutMs: 45_000,
        requestTimeoutMs: 5_000,
        trustedProxies: parseTrustedProxies(trustedProxies).list,
        started: () => true,
        retryAfterSeconds: 3,
        ...(maxInFlight === undefined ? {} : { maxInFlight }),
        ...(tracing === undefined ? {} : { tracing }),
        ...(logger === undefined ? {} : { logger }),
      });
      const server = await listen(app, 0, '127.0.0.1', 10_000);
      servers.push(server);
      return server.url;
    },
    async close() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

export async function postJson(
  url: string,
  body: unknown,
  token: string | null = 'tok-user-1',
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  return answer(await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) }));
}

export async function getJson(url: string, token: string | null = null): Promise<Answer> {
  return answer(await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
}
