import { MemorySharedStore } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { SpanStarter } from '@mesh/runtime';
import { createGateway } from './app.js';
import { parseTrustedProxies } from './client-address.js';
import { GatewayMetrics } from './metrics.js';
import type { MeshPorts } from './mesh-ports.js';
import { RateLimiter } from './rate-limiter.js';
import { listen, type ListeningServer } from './server.js';
import { TOKENS } from './test-fake-mesh.js';
import { createTokenCheck, type TokenCheck } from './token-check/token-check.js';

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
  /** Requests waiting for a free slot beyond `maxInFlight` (default none: shed at once). */
  maxQueued?: number;
  queueTimeoutMs?: number;
  /** TRUSTED_PROXIES syntax (default loopback). */
  trustedProxies?: string;
  /** Spans of the requests (default: ids only, nothing recorded). */
  tracing?: SpanStarter;
  logger?: Logger;
  /** Fetch auth's keys and revocations before serving (default true; false: a gateway that holds none yet). */
  tokensSynced?: boolean;
  /** Revocation poll interval (default 1 s; the keys refresh every minute). */
  revocationPollMs?: number;
}

/** Starts a gateway on a free loopback port over `mesh`; `close` stops every one started. */
export function gatewayServers(): {
  start(mesh: MeshPorts, settings?: TestGatewaySettings): Promise<string>;
  /** The token check of the last gateway started. */
  tokenCheck(): TokenCheck;
  close(): Promise<void>;
} {
  const servers: ListeningServer[] = [];
  const checks: TokenCheck[] = [];
  return {
    async start(
      mesh,
      {
        rateLimit = 1000,
        maxInFlight,
        maxQueued,
        queueTimeoutMs,
        trustedProxies = '127.0.0.0/8,::1',
        tracing,
        logger,
        tokensSynced = true,
        revocationPollMs = 1_000,
      } = {},
    ) {
      const check = createTokenCheck({ mesh, keysRefreshMs: 60_000, revocationPollMs });
      checks.push(check);
      if (tokensSynced) await check.sync();
      const app = createGateway({
        mesh,
        limiter: new RateLimiter(new MemorySharedStore({ prefix: 't' }), rateLimit, 60_000),
        tokens: check.verifier,
        metrics: new GatewayMetrics(false),
        bodyLimitBytes: 4_096,
        orderTimeoutMs: 45_000,
        requestTimeoutMs: 5_000,
        trustedProxies: parseTrustedProxies(trustedProxies).list,
        started: () => true,
        retryAfterSeconds: 3,
        ...(maxInFlight === undefined ? {} : { maxInFlight }),
        ...(maxQueued === undefined ? {} : { maxQueued }),
        ...(queueTimeoutMs === undefined ? {} : { queueTimeoutMs }),
        ...(tracing === undefined ? {} : { tracing }),
        ...(logger === undefined ? {} : { logger }),
      });
      const server = await listen(app, 0, '127.0.0.1', 10_000);
      servers.push(server);
      return server.url;
    },
    tokenCheck() {
      const check = checks.at(-1);
      if (check === undefined) throw new Error('no gateway started');
      return check;
    },
    async close() {
      for (const check of checks) check.stop();
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
  token: string | null = TOKENS.user1,
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  return answer(await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) }));
}

export async function getJson(url: string, token: string | null = null): Promise<Answer> {
  return answer(await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
}
