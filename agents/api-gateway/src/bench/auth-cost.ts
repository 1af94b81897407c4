// `pnpm --filter @mesh/agent-api-gateway bench:auth`: the gateway's CPU per authenticated request for each way
// of checking a token, in one run (BENCH_AUTH_CALLS sets the number of checks, default 4000 per path):
//   local new    this build, a token not seen before: Ed25519 signature, claims, revocation list (token-check/)
//   local seen   this build, a token seen before: its remembered claims, key still held, exp, revocation list
//   remote miss  the former path on a cache miss: auth_verify_token through the runtime's dependency client
//                (JSON-RPC over HTTP to a provider process, the result checked against the contract)
//   remote hit   the former path on a cache hit: the token cache's lookup (a Map get and an expiry check)
// CPU is this process's (process.cpuUsage) divided by the checks made; the provider's CPU is printed apart.
// Checks run 16 at a time, as concurrent requests would; the paths take turns over BENCH_AUTH_ROUNDS rounds
// (default 3) and the median is printed. The provider speaks plain HTTP, so the remote figure
// leaves out TLS (strict mode adds it) and the auth agent's revocation lookup: it is a floor.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authVerifyToken } from '@mesh/contracts';
import { createToolCaller } from '@mesh/runtime';
import { CPU_TICK_US, cpuTicks } from '@mesh/testkit';
import type { VerifiedToken } from '../mesh-ports.js';
import { createTokenCheck } from '../token-check/token-check.js';
import { BENCH_ISSUER, benchMesh, benchTokens } from './bench-mesh.js';
import { startListening, stopListening } from './bench-process.js';

const CALLS = Math.max(100, Math.min(1_000_000, Number(process.env['BENCH_AUTH_CALLS'] ?? 4000)));
const ROUNDS = Math.max(1, Math.min(10, Number(process.env['BENCH_AUTH_ROUNDS'] ?? 3)));
const CONCURRENCY = 16;
const here = dirname(fileURLToPath(import.meta.url));
const tokens = benchTokens();

interface Figure {
  path: string;
  cpuUsPerCheck: number;
  wallUsPerCheck: number;
  providerCpuUsPerCheck?: number;
}

/** Runs `check` CALLS times over `pool`, CONCURRENCY at once; CPU and wall time per check. */
async function measure(
  path: string,
  check: (token: string) => Promise<unknown>,
  pool: readonly string[] = tokens,
): Promise<Figure> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CALLS) {
      const n = next;
      next += 1;
      await check(pool[n % pool.length]!);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(cpu);
  return {
    path,
    cpuUsPerCheck: (used.user + used.system) / CALLS,
    wallUsPerCheck: ((performance.now() - started) * 1000) / CALLS,
  };
}

const local = createTokenCheck({ mesh: benchMesh(), keysRefreshMs: 300_000, revocationPollMs: 1_000 });
await local.sync();

// The removed TokenCache's get(), as it ran on a hit.
const cache = new Map<string, { token: VerifiedToken; until: number }>();
const cacheHit = async (token: string): Promise<VerifiedToken | undefined> => {
  const entry = cache.get(token);
  if (entry === undefined || entry.until <= Date.now()) return undefined;
  return entry.token;
};
for (const token of tokens)
  cache.set(token, { token: await local.verifier.verify(token), until: Date.now() + 3_600_000 });

const provider = await startListening('the auth_verify_token provider', join(here, 'verify-provider.js'), []);
const caller = createToolCaller({ callerId: 'api-gateway', timeoutMs: 10_000 });
const target = {
  capability: 'auth_verify_token',
  idempotent: true,
  providers: [
    { agentId: 'auth-bench', endpoint: provider.url, functionName: 'auth_verify_token', idempotent: true },
  ],
};
const remote = async (token: string) => authVerifyToken.output.parse(await caller.call(target, { token }));

const rounds: Figure[][] = [];
try {
  // Warm-up: every path once over, so each is measured warm (JIT, connections, remembered tokens).
  for (const token of tokens) {
    await local.verifier.verify(token);
    await remote(token);
    await cacheHit(token);
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    // Tokens no gateway has seen: minted before the clock starts, so signing is not counted.
    const unseen = Array.from({ length: CALLS }, (_, n) =>
      BENCH_ISSUER.token({ sub: `user-${n % 50}`, ttlSeconds: 3600 }),
    );
    const figures = [await measure('local new', (token) => local.verifier.verify(token), unseen)];
    figures.push(await measure('local seen', (token) => local.verifier.verify(token)));
    const ticks = cpuTicks(provider.pid);
    const miss = await measure('remote miss', remote);
    figures.push({
      ...miss,
      providerCpuUsPerCheck: ((cpuTicks(provider.pid) - ticks) * CPU_TICK_US) / CALLS,
    });
    figures.push(await measure('remote hit', cacheHit));
    rounds.push(figures);
  }
} finally {
  caller.close();
  await stopListening(provider);
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const figures: Figure[] = rounds[0]!.map((first, index) => {
  const of = (pick: (figure: Figure) => number | undefined) =>
    median(rounds.map((round) => pick(round[index]!) ?? 0));
  return {
    path: first.path,
    cpuUsPerCheck: of((figure) => figure.cpuUsPerCheck),
    wallUsPerCheck: of((figure) => figure.wallUsPerCheck),
    ...(first.providerCpuUsPerCheck === undefined
      ? {}
      : { providerCpuUsPerCheck: of((figure) => figure.providerCpuUsPerCheck) }),
  };
});
const byPath = Object.fromEntries(figures.map((figure) => [figure.path, figure]));
console.log(
  `gateway CPU per token check, ${CALLS} checks per path, ${CONCURRENCY} at a time, median of ${ROUNDS} rounds`,
);
for (const figure of figures) {
  const provider =
    figure.providerCpuUsPerCheck === undefined
      ? ''
      : `, provider ${figure.providerCpuUsPerCheck.toFixed(1)} µs`;
  console.log(
    `  ${figure.path.padEnd(12)} ${figure.cpuUsPerCheck.toFixed(2).padStart(8)} µs CPU  ${figure.wallUsPerCheck.toFixed(1).padStart(8)} µs wall${provider}`,
  );
}
const ratio = (a: string, b: string) => (byPath[a]!.cpuUsPerCheck / byPath[b]!.cpuUsPerCheck).toFixed(2);
console.log(
  `  remote miss / local new: ${ratio('remote miss', 'local new')}   ` +
    `remote miss / local seen: ${ratio('remote miss', 'local seen')}   ` +
    `local seen / remote hit: ${ratio('local seen', 'remote hit')}`,
);
