import type { CommandContext } from '../cli/command.js';
import { operatorTls } from '../tls/local-tls.js';
import { renderTable } from '../table.js';
import type { CanaryInfo } from '../registry-client.js';
import { errorPercent, latencyQuantile } from './canary-metrics.js';
import {
  localReplicas,
  replaceWithVersion,
  replicasAt,
  startCanaryReplica,
  stopReplicas,
} from './canary-processes.js';
import { sampleConsumers, stableVersionOf } from './canary-sample.js';
import { parseSteps, watchCanary } from './canary-watch.js';
import type { WatchOutcome } from './canary-watch.js';

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** A whole percent from an option; `what` names it in the error. */
export function parsePercent(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 100)
    throw new Error(`${what} ${text}: expected a whole percent from 0 to 100`);
  return value;
}

async function requireCanary(ctx: CommandContext, agent: string): Promise<CanaryInfo> {
  const canary = await ctx.registry().canary(agent);
  if (canary === undefined)
    throw new Error(`${agent} has no canary (start one: meshctl start ${agent} --version V --canary 10)`);
  return canary;
}

/**
 * `meshctl start <agent> --version V --canary W`: the canary record first (so the new replica never takes
 * every call), then one more local replica registering V; with `--auto`, the watch follows.
 */
export async function startCanary(ctx: CommandContext, agent: string): Promise<number> {
  const version = ctx.values.version;
  if (version === undefined || !SEMVER.test(version))
    throw new Error(`--version ${version ?? '(missing)'}: expected a semantic version such as 2.0.0`);
  if (ctx.values.canary === undefined) throw new Error('--version needs --canary W (the percent of calls)');
  const weight = parsePercent(ctx.values.canary, '--canary');
  const registry = ctx.registry();
  const stable = stableVersionOf(await registry.agents(), agent, version);
  if (stable === undefined)
    throw new Error(
      `${agent}: no healthy replica of another version runs; start it first (meshctl start ${agent})`,
    );
  await registry.setCanary(agent, version, weight);
  ctx.print(`${agent}: canary ${version} at ${weight} % beside ${stable}`);
  try {
    const record = await startCanaryReplica(ctx.arch(), ctx.localOptions(), agent, version);
    ctx.print(`${agent} #${record.replica} (${version}) ready at ${record.url ?? '-'} (pid ${record.pid})`);
  } catch (error: unknown) {
    // Nothing of the new version runs: leave the registry as it was.
    await registry.deleteCanary(agent).catch(() => undefined);
    throw error;
  }
  return ctx.values.auto ? watch(ctx, agent) : 0;
}

/** `meshctl canary status <agent>`: weights, replicas, and what the consumers saw of each version. */
export async function status(ctx: CommandContext, agent: string): Promise<number> {
  const canary = await requireCanary(ctx, agent);
  const registry = ctx.registry();
  const agents = await registry.agents();
  const stable = stableVersionOf(agents, agent, canary.version) ?? '-';
  const sample = await sampleConsumers(registry, agent, ctx.operatorTls());
  const row = (version: string, weight: number) => {
    const stats = sample.totals.get(version);
    const replicas = agents.filter(
      (a) => a.name === agent && a.version === version && a.status === 'healthy',
    );
    const ratio = errorPercent(stats);
    const p95 = latencyQuantile(stats);
    return [
      version,
      `${weight} %`,
      String(replicas.length),
      String(stats?.calls ?? 0),
      ratio === undefined ? '-' : `${ratio.toFixed(2)} %`,
      p95 === undefined ? '-' : `${(p95 * 1000).toFixed(1)} ms`,
    ];
  };
  ctx.print(
    renderTable(
      ['VERSION', 'WEIGHT', 'REPLICAS', 'CALLS', 'ERRORS', 'P95'],
      [row(stable, 100 - canary.weight), row(canary.version, canary.weight)],
    ),
  );
  ctx.print(
    `\nCounted by ${sample.scraped} consumer replica(s) since they started` +
      (sample.failed.length > 0 ? `; not answering: ${sample.failed.join(', ')}` : ''),
  );
  return 0;
}

/**
 * `meshctl canary promote <agent>`: weight 100 (the canary takes every call), the stable local replicas
 * replaced one at a time by replicas of the canary's version, the extra canary replica stopped, the record
 * removed. Without local processes (Docker, Kubernetes) only the registry part happens.
 */
export async function promote(ctx: CommandContext, agent: string): Promise<number> {
  const canary = await requireCanary(ctx, agent);
  const registry = ctx.registry();
  await registry.setCanary(agent, canary.version, 100);
  ctx.print(`${agent}: ${canary.version} takes every call`);
  const replicas = localReplicas(ctx.home, agent);
  const canaries = replicasAt(replicas, canary.version);
  const stable = replicasAt(replicas, canary.version, true);
  if (replicas.length === 0) {
    ctx.print(
      `${agent}: no local replicas; replace the old version's replicas, then: meshctl canary promote ${agent}`,
    );
    return 0;
  }
  const options = ctx.localOptions();
  await replaceWithVersion(stable, canary.version, { ...options, probeTls: operatorTls(ctx.home, ctx.env) });
  if (stable.length > 0) await stopReplicas(ctx.home, canaries, ctx.print);
  await registry.deleteCanary(agent);
  ctx.print(
    `${agent}: promoted ${canary.version} (${Math.max(stable.length, canaries.length)} replica(s)); canary record removed`,
  );
  return 0;
}

/** `meshctl canary rollback <agent>`: weight 0 (no call reaches the canary), its replicas stopped, record removed. */
export async function rollback(ctx: CommandContext, agent: string, reason?: string): Promise<number> {
  const canary = await requireCanary(ctx, agent);
  const registry = ctx.registry();
  await registry.setCanary(agent, canary.version, 0);
  ctx.print(`${agent}: rolled back ${canary.version}${reason === undefined ? '' : ` (${reason})`}`);
  const canaries = replicasAt(localReplicas(ctx.home, agent), canary.version);
  await stopReplicas(ctx.home, canaries, ctx.print);
  const left = (await registry.agents()).filter(
    (a) => a.name === agent && a.version === canary.version && a.status === 'healthy',
  );
  // A replica of that version still registered (not one of ours) would win again without the record.
  if (left.length === 0) await registry.deleteCanary(agent);
  else ctx.print(`${agent}: ${left.length} replica(s) of ${canary.version} still registered; weight stays 0`);
  return 0;
}

const WATCH_EXIT: Readonly<Record<WatchOutcome, number>> = {
  promoted: 0,
  held: 0,
  'rolled-back': 1,
  inconclusive: 2,
};

/** `meshctl canary watch <agent>`: automatic analysis; exit 0 promoted or held, 1 rolled back, 2 inconclusive. */
export async function watch(ctx: CommandContext, agent: string): Promise<number> {
  const canary = await requireCanary(ctx, agent);
  const registry = ctx.registry();
  const stableVersion = stableVersionOf(await registry.agents(), agent, canary.version);
  if (stableVersion === undefined)
    throw new Error(`${agent}: no stable version runs beside ${canary.version}`);
  const { values } = ctx;
  const intervalMs = parseDurationOption(values.interval ?? '5s', '--interval');
  const marginPoints = Number(values['max-error-margin'] ?? '5');
  if (!Number.isFinite(marginPoints) || marginPoints < 0 || marginPoints > 100)
    throw new Error(`--max-error-margin ${values['max-error-margin']}: expected percentage points, 0-100`);
  const minCalls = Number(values['min-calls'] ?? '10');
  if (!Number.isInteger(minCalls) || minCalls < 1)
    throw new Error('--min-calls: expected a whole number ≥ 1');
  const tls = ctx.operatorTls();
  ctx.print(
    `${agent}: watching ${canary.version} against ${stableVersion} every ${intervalMs} ms ` +
      `(margin ${marginPoints} points, at least ${minCalls} canary calls per interval)`,
  );
  const outcome = await watchCanary({
    stableVersion,
    canaryVersion: canary.version,
    weight: canary.weight,
    steps: parseSteps(values.steps ?? '10,25,50,100'),
    intervalMs,
    marginPoints,
    minCalls,
    maxWaits: 6,
    sample: async () => (await sampleConsumers(registry, agent, tls)).totals,
    setWeight: async (weight) => {
      await registry.setCanary(agent, canary.version, weight);
    },
    rollback: async (reason) => {
      await rollback(ctx, agent, reason);
    },
    promote: async () => {
      await promote(ctx, agent);
    },
    log: (line) => ctx.print(`${agent}: ${line}`),
  });
  ctx.print(`${agent}: watch ended: ${outcome}`);
  return WATCH_EXIT[outcome];
}

function parseDurationOption(text: string, what: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!match) throw new Error(`${what} ${text}: expected a duration such as 5s or 500ms`);
  const value = Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000);
  if (value < 100 || value > 3_600_000) throw new Error(`${what} ${text}: expected 100ms to 1h`);
  return value;
}
