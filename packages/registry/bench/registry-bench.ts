/**
 * Side-by-side load test of our registry (in memory and on PostgreSQL) and the official one.
 * Usage: pnpm --filter @mesh/registry bench   (env: BENCH_SECONDS, BENCH_AGENTS, MESH_TEST_POSTGRES_URL)
 */
import { pidsNamed, settleProcesses } from '@mesh/testkit';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { runSeparateLoad } from './separate-load.js';
import { startOfficial, startOurs } from './targets.js';
import type { Target } from './targets.js';
import { agentBodies, registerAll } from './workload.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '10');
const AGENTS = Number(process.env['BENCH_AGENTS'] ?? '1000');
const CONNECTIONS = 20;
const FIXED_RATE = 2000;

type Phase = 'post' | 'head' | 'fixed' | 'agents';

interface Figures {
  postRps: number;
  postP50: number;
  postP99: number;
  headRps: number;
  headP50: number;
  headP99: number;
  fixedP99: number;
  fixedRps: number;
  fixedLagP99: number;
  fixedGcMax: number;
  agentsP50: number;
  agentsP99: number;
  agentsRps: number;
  /** Failed requests (transport errors, timeouts, non-2xx) per phase. */
  errors: Record<Phase, number>;
}

const EMPTY_FIGURES: Figures = {
  postRps: 0,
  postP50: 0,
  postP99: 0,
  headRps: 0,
  headP50: 0,
  headP99: 0,
  fixedP99: 0,
  fixedRps: 0,
  fixedLagP99: 0,
  fixedGcMax: 0,
  agentsP50: 0,
  agentsP99: 0,
  agentsRps: 0,
  errors: { post: 0, head: 0, fixed: 0, agents: 0 },
};

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

type Measured = Partial<Omit<Figures, 'errors'>> & { errors: number };

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
      `| ${f.fixedP99} ms (${f.fixedRps.toFixed(0)}/s, lag ${f.fixedLagP99} ms, GC ${f.fixedGcMax} ms) | ${f.agentsP50} / ${f.agentsP99} ms${r(f.agentsP50, official?.agentsP50, true)} ` +
      `| ${f.agentsRps.toFixed(0)}${r(f.agentsRps, official?.agentsRps)} ` +
      `| ${f.errors.post} / ${f.errors.head} / ${f.errors.fixed} / ${f.errors.agents} |`
    );
  });
  return [
    '| Registry | Full heartbeats/s | POST p50 / p99 | HEAD/s | HEAD p50 / p99 | HEAD p99 at 2,000/s | GET /agents p50 / p99 | GET /agents/s | Failed requests (POST / HEAD / fixed / agents) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const bodies = agentBodies(AGENTS);
  const postgresUrl = process.env['MESH_TEST_POSTGRES_URL'];
  const targets: Target[] = [];
  try {
    const wanted = new Set((process.env['BENCH_TARGETS'] ?? 'official,memory,postgres').split(','));
    const official = wanted.has('official') ? await startOfficial() : undefined;
    if (wanted.has('official') && official === undefined) {
      process.stderr.write('skipping the official registry: binary not available here\n');
    }
    if (official !== undefined) targets.push(official);
    if (wanted.has('memory')) targets.push(await startOurs());
    if (wanted.has('postgres') && postgresUrl) targets.push(await startOurs(postgresUrl));
    else if (wanted.has('postgres'))
      process.stderr.write('skipping PostgreSQL: MESH_TEST_POSTGRES_URL is not set\n');
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
        await settleProcesses([...targets.map((t) => t.pid), ...pidsNamed('postgres')]);
        const current = figures.get(target)!;
        const measured = await runPhase(phase, target, bodies);
        figures.set(target, {
          ...current,
          ...measured,
          errors: { ...current.errors, [phase]: measured.errors },
        });
      }
    }
    const results = targets.map((target) => ({ label: target.label, figures: figures.get(target)! }));
    process.stdout.write(
      `\n${AGENTS} agents registered, ${CONNECTIONS} connections, ${SECONDS} s per phase, ratios ours/official ` +
        `(for latency: official/ours, higher is better). HEAD at 2,000/s: p99 from dispatch; lag = p99 of how ` +
        `late the generator dispatched against its schedule; GC = its longest collector pause (it runs in a process of its own).\n\n${table(results)}\n`,
    );
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
