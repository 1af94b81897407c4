/**
 * Side-by-side load test of our registry (in memory and on PostgreSQL) and the official one.
 * Usage: pnpm --filter @mesh/registry bench   (env: BENCH_SECONDS, BENCH_AGENTS, MESH_TEST_POSTGRES_URL)
 */
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { runLoad } from './load.js';
import { startOfficial, startOurs } from './targets.js';
import type { Target } from './targets.js';
import { agentBodies, registerAll } from './workload.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '10');
const AGENTS = Number(process.env['BENCH_AGENTS'] ?? '1000');
const CONNECTIONS = 20;
const FIXED_RATE = 2000;

interface Figures {
  postRps: number;
  postP50: number;
  postP99: number;
  headRps: number;
  headP50: number;
  headP99: number;
  fixedP99: number;
  fixedRps: number;
  agentsP50: number;
  agentsP99: number;
  agentsRps: number;
  errors: number;
}

function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

function failures(result: Result): number {
  return result.errors + result.timeouts + result.non2xx;
}

async function measure(target: Target, bodies: readonly string[]): Promise<Figures> {
  process.stderr.write(`${target.label}: registering ${bodies.length} agents\n`);
  await registerAll(target.url, bodies);
  let postIndex = 0;
  process.stderr.write(`${target.label}: full heartbeats\n`);
  const post = await run({
    url: target.url,
    requests: [
      {
        method: 'POST',
        path: '/heartbeat',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: bodies[(postIndex += 1) % bodies.length]! }),
      },
    ],
  });
  const head = (rate?: number) =>
    runLoad({
      url: target.url,
      method: 'HEAD',
      next: (n) => ({ path: `/heartbeat/bench-agent-${n % bodies.length}` }),
      connections: CONNECTIONS,
      durationMs: SECONDS * 1000,
      ...(rate === undefined ? {} : { rate }),
    });
  process.stderr.write(`${target.label}: HEAD heartbeats\n`);
  const headResult = await head();
  process.stderr.write(`${target.label}: HEAD at ${FIXED_RATE}/s\n`);
  const fixed = await head(FIXED_RATE);
  process.stderr.write(`${target.label}: GET /agents\n`);
  const agents = await run({ url: `${target.url}/agents` });
  return {
    postRps: post.requests.average,
    postP50: post.latency.p50,
    postP99: post.latency.p99,
    headRps: headResult.rps,
    headP50: headResult.p50,
    headP99: headResult.p99,
    fixedP99: fixed.p99,
    fixedRps: fixed.rps,
    agentsP50: agents.latency.p50,
    agentsP99: agents.latency.p99,
    agentsRps: agents.requests.average,
    errors: failures(post) + headResult.errors + fixed.errors + failures(agents),
  };
}

function ratio(ours: number, official: number | undefined, lowerIsBetter = false): string {
  if (official === undefined || official === 0 || ours === 0) return '';
  const value = lowerIsBetter ? official / ours : ours / official;
  return ` (${value.toFixed(1)}x)`;
}

function table(results: { label: string; figures: Figures }[]): string {
  const official = results.find((r) => r.label.startsWith('official'))?.figures;
  const rows = results.map(({ label, figures: f }) => {
    const mine = !label.startsWith('official');
    const r = (value: number, base: number | undefined, lower = false) =>
      mine ? ratio(value, base, lower) : '';
    return (
      `| ${label} | ${f.postRps.toFixed(0)}${r(f.postRps, official?.postRps)} | ${f.postP50} / ${f.postP99} ms ` +
      `| ${f.headRps.toFixed(0)}${r(f.headRps, official?.headRps)} | ${f.headP50} / ${f.headP99} ms ` +
      `| ${f.fixedP99} ms (${f.fixedRps.toFixed(0)}/s) | ${f.agentsP50} / ${f.agentsP99} ms${r(f.agentsP50, official?.agentsP50, true)} ` +
      `| ${f.agentsRps.toFixed(0)}${r(f.agentsRps, official?.agentsRps)} | ${f.errors} |`
    );
  });
  return [
    '| Registry | Full heartbeats/s | POST p50 / p99 | HEAD/s | HEAD p50 / p99 | HEAD p99 at 2,000/s | GET /agents p50 / p99 | GET /agents/s | Errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const bodies = agentBodies(AGENTS);
  const postgresUrl = process.env['MESH_TEST_POSTGRES_URL'];
  const starters: [string, () => Promise<Target | undefined>][] = [
    ['official', startOfficial],
    ['memory', () => startOurs()],
    ['postgres', () => (postgresUrl ? startOurs(postgresUrl) : Promise.resolve(undefined))],
  ];
  const results: { label: string; figures: Figures }[] = [];
  for (const [name, start] of starters) {
    const target = await start();
    if (target === undefined) {
      process.stderr.write(`skipping ${name}: not available here\n`);
      continue;
    }
    try {
      results.push({ label: target.label, figures: await measure(target, bodies) });
    } finally {
      await target.stop();
    }
  }
  process.stdout.write(
    `\n${AGENTS} agents registered, ${CONNECTIONS} connections, ${SECONDS} s per phase, ratios ours/official ` +
      `(for latency: official/ours, higher is better).\n\n${table(results)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
