// One gateway under test, in a process of its own: `node dist/bench/gateway-server.js <gateway dist dir>`.
// It loads the gateway from the dist directory given (this build's, or a baseline's built by baseline-build),
// wires it as main.ts does (metrics with the default collectors, a pino logger at info, ids-only spans, the
// in-flight limit) but over the instant bench mesh and an in-memory rate-limit store, listens on a free
// loopback port and prints `LISTENING <port>`.
import { Writable } from 'node:stream';
import { BlockList } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemorySharedStore } from '@mesh/backends';
import { createLogger } from '@mesh/common';
import type * as Gateway from '../index.js';
import { benchMesh } from './bench-mesh.js';

const dist = process.argv[2];
if (dist === undefined) {
  process.stderr.write('usage: gateway-server.js <gateway dist directory>\n');
  process.exit(2);
}
const gateway = (await import(pathToFileURL(join(resolve(dist), 'index.js')).href)) as typeof Gateway;
/**
 * How this gateway checks tokens: the local verifier of this build (keys fetched once from the bench mesh), or,
 * for a baseline built before it, the remote path with its 5 s cache (BENCH_TOKEN_CACHE_TTL overrides; 0 makes
 * every request a cache miss). Typed loosely: a baseline's exports are not this build's.
 */
async function tokenOptions(): Promise<Record<string, unknown>> {
  const loose = gateway as unknown as Record<string, unknown>;
  const legacyCache = loose['TokenCache'] as (new (ttlMs: number) => unknown) | undefined;
  if (legacyCache !== undefined) {
    return { tokens: new legacyCache(Number(process.env['BENCH_TOKEN_CACHE_TTL'] ?? 5_000)) };
  }
  const check = gateway.createTokenCheck({ mesh, keysRefreshMs: 300_000, revocationPollMs: 1_000 });
  await check.sync();
  check.start();
  return { tokens: check.verifier };
}

const mesh = benchMesh();
const trustedProxies = new BlockList();
trustedProxies.addSubnet('127.0.0.0', 8, 'ipv4');
const app = gateway.createGateway({
  mesh,
  limiter: new gateway.RateLimiter(new MemorySharedStore({ prefix: 'bench' }), 1_000_000_000, 60_000),
  ...((await tokenOptions()) as Pick<Gateway.GatewayOptions, 'tokens'>),
  logger: createLogger({
    name: 'api-gateway',
    level: 'info',
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  }),
  metrics: new gateway.GatewayMetrics(),
  bodyLimitBytes: 65_536,
  orderTimeoutMs: 75_000,
  requestTimeoutMs: 10_000,
  trustedProxies,
  maxInFlight: 256,
  retryAfterSeconds: 2,
  started: () => true,
});
const server = await gateway.listen(app, 0, '127.0.0.1', 80_000);
process.stdout.write(`LISTENING ${server.port}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
