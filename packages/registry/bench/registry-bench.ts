/**
 * Side-by-side load test of our registry and the official one, each in memory/SQLite and on PostgreSQL.
 * Usage: pnpm --filter @mesh/registry bench
 * (env: BENCH_SECONDS, BENCH_AGENTS, BENCH_TARGETS=official,official-postgres,memory,postgres,
 * MESH_TEST_POSTGRES_URL)
 */
import { pidsNamed, settleProcesses } from '@mesh/testkit';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { reRegisterUnhealthy } from './keep-healthy.js';
import { EMPTY_FIGURES, figuresTable, ratioTable } from './report.js';
import type { Figures, Phase } from './report.js';
import { runSeparateLoad } from './separate-load.js';
import { HEALTH_TIMEOUT_S, startOfficial, startOurs } from './targets.js';
import type { Target } from './targets.js';
import { agentBodies, registerAll } from './workload.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '10');
const AGENTS = Number(process.env['BENCH_AGENTS'] ?? '1000');
const CONNECTIONS = 20;
const FIXED_RATE = 2000;

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

type Measured = Partial<Omit<Figures, 'errors' | 'reRegistered'>> & { errors: number };

async function runPhase(phase: Phase, target: Target, bodies: readonly string[]): Promise<Measured> {
  process.stderr.write(`${target.label}: ${phase}\n`);
  const head = (rate?: number) =>
    runSeparateLoad({
      url: target.url,
      method: 'HEAD',
      pathPrefix: '/heartbeat/bench-agent-',
      cycle: bodies.length,
      connections: CONNECTIONS,
      durationMs: SECONDS * 1000,
      ...(rate === undefined ? {} : { rate }),
    });
  switch (phase) {
    case 'post': {
      let postIndex = 0;
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
      return {
        postRps: post.requests.average,
        postP50: post.latency.p50,
        postP99: post.latency.p99,
        errors: failures(post),
      };
    }
    case 'head': {
      const result = await head();
      if (result.errors > 0)
        process.stderr.write(`${target.label}: HEAD failures ${JSON.stringify(result.failures)}\n`);
      return { headRps: result.rps, headP50: result.p50, headP99: result.p99, errors: result.errors };
    }
    case 'fixed': {
      const result = await head(FIXED_RATE);
      if (result.errors > 0)
        process.stderr.write(`${target.label}: fixed-rate failures ${JSON.stringify(result.failures)}\n`);
      return {
        fixedP99: result.p99,
        fixedRps: result.rps,
        fixedLagP99: result.lagP99 ?? 0,
        fixedGcMax: result.generatorGcMaxMs,
        errors: result.errors,
      };
    }
    case 'agents': {
      const agents = await run({ url: `${target.url}/agents` });
      return {
        agentsP50: agents.latency.p50,
        agentsP99: agents.latency.p99,
        agentsRps: agents.requests.average,
        errors: failures(agents),
      };
    }
  }
}

async function main(): Promise<void> {
  const bodies = agentBodies(AGENTS);
  const postgresUrl = process.env['MESH_TEST_POSTGRES_URL'];
  const targets: Target[] = [];
  try {
    const wanted = new Set(
      (process.env['BENCH_TARGETS'] ?? 'official,official-postgres,memory,postgres').split(','),
    );
    const withPostgres = (name: string): boolean => {
      if (!wanted.has(name)) return false;
      if (!postgresUrl) process.stderr.write(`skipping ${name}: MESH_TEST_POSTGRES_URL is not set\n`);
      return Boolean(postgresUrl);
    };
    const official = async (adminUrl?: string): Promise<void> => {
      const target = await startOfficial(adminUrl);
      if (target === undefined)
        process.stderr.write('skipping the official registry: binary not available here\n');
      else targets.push(target);
    };
    if (wanted.has('official')) await official();
    if (withPostgres('official-postgres')) await official(postgresUrl);
    if (wanted.has('memory')) targets.push(await startOurs());
    if (withPostgres('postgres')) targets.push(await startOurs(postgresUrl));
    for (const target of targets) {
      process.stderr.write(`${target.label}: registering ${bodies.length} agents\n`);
      await registerAll(target.url, bodies);
    }
    // Phases interleave the registries so each phase sees all of them under similar machine load.
    const figures = new Map<Target, Figures>(targets.map((t) => [t, { ...EMPTY_FIGURES }]));
    for (const phase of ['post', 'head', 'fixed', 'agents'] as const) {
      for (const target of targets) {
        // Every registry idle and this process's heap collected, so one phase's leftovers (a backlog, a
        // checkpoint, garbage) do not land in the next one's tail.
        // PostgreSQL's own processes too (autovacuum after a write-heavy phase).
        const current = figures.get(target)!;
        // HEAD measures live agents: any the registry expired meanwhile is registered again first (and counted).
        const reRegistered =
          phase === 'head' || phase === 'fixed' ? await reRegisterUnhealthy(target.url, bodies) : 0;
        await settleProcesses([...targets.map((t) => t.pid), ...pidsNamed('postgres')]);
        const measured = await runPhase(phase, target, bodies);
        figures.set(target, {
          ...current,
          ...measured,
          errors: { ...current.errors, [phase]: measured.errors },
          reRegistered: current.reRegistered + reRegistered,
        });
      }
    }
    const results = targets.map((target) => ({ label: target.label, figures: figures.get(target)! }));
    process.stdout.write(
      `\n${AGENTS} agents registered, ${CONNECTIONS} connections, ${SECONDS} s per phase. HEAD at 2,000/s: ` +
        `p99 from dispatch; lag = p99 of how late the generator dispatched against its schedule; GC = its ` +
        `longest collector pause (it runs in a process of its own). Every registry runs with a ` +
        `${HEALTH_TIMEOUT_S} s health timeout (DEFAULT_TIMEOUT_THRESHOLD), so no agent expires between its ` +
        `phases, and before each HEAD phase every agent a registry does not list as healthy (GET /agents) is ` +
        `registered again, counted under "Re-registered before HEAD" (it should be 0).\n\n` +
        `${figuresTable(results)}\n`,
    );
    const ratios = ratioTable(results);
    if (ratios !== '') {
      process.stdout.write(
        `\nRatios, higher is better for ours: throughput ours/official, latency official/ours; "same store" ` +
          `marks the like-for-like pair; n/a where either side failed requests in that phase.\n\n${ratios}\n`,
      );
    }
  } finally {
    for (const target of targets) await target.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
