import { rmSync } from 'node:fs';
import type { Architecture, TieredAgent } from '../architecture/load.js';
import { buildGraph, startWaves } from '../graph/dependency-graph.js';
import { renderTable } from '../table.js';
import { formatReadySummary } from '../ready-summary.js';
import { dockerMeshRuns } from '../docker/docker-state.js';
import { stopMesh } from './down.js';
import { balancerName, Launcher } from './launcher.js';
import type { LauncherOptions } from './launcher.js';
import { tailFile } from './processes.js';
import { ReadinessError } from './readiness.js';
import { writePrometheusConfig } from './prometheus-config.js';
import {
  liveProcesses,
  readState,
  statePath,
  writeState,
  type MeshState,
  type ProcessRecord,
} from './state.js';
import { ensureLocalTls, localTlsMode } from '../tls/local-tls.js';
import type { LocalTls } from '../tls/local-tls.js';

/** What `up` needs: the launcher's settings (its certificates it makes itself), and which agents to start. */
export interface UpOptions extends Omit<LauncherOptions, 'tls'> {
  /** Agents to start (default: all); their dependencies are not added automatically. */
  agents?: readonly string[];
  /**
   * Start every agent at once instead of in dependency order (the runtime resolves dependencies as providers
   * appear); readiness of each is still awaited. Faster on a busy machine, but a failing agent is then
   * reported amid its dependants.
   */
  parallel?: boolean;
  /**
   * Epoch ms the start began (`startEpochMs`: the start script's or meshctl's process start), so the step times
   * and "ready in" count the CLI's own start-up too; default: when `up` is called.
   */
  startedAtMs?: number;
}

export interface UpResult {
  status: 'started' | 'already-running' | 'failed';
  state?: MeshState;
  readyMs?: number;
}

/** The table of what runs where, printed at the end of a start and by `meshctl status`. */
export function formatStateTable(state: MeshState): string {
  const rows = state.processes.map((p) => [
    p.kind,
    p.name,
    p.kind === 'agent' ? String(p.replica) : '',
    String(p.pid),
    p.url ?? '',
    p.log.replace(`${state.root}/`, ''),
  ]);
  return renderTable(['KIND', 'NAME', 'REPLICA', 'PID', 'URL', 'LOG'], rows);
}

/**
 * Brings the whole topology up as local processes: registry and infrastructure first, then each agent as soon
 * as everything it depends on answers /ready (replicas in parallel), all bounded by DEPENDENCY_TIMEOUT.
 */
export async function up(arch: Architecture, options: UpOptions): Promise<UpResult> {
  const started = options.startedAtMs ?? Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(2).padStart(5)}s`;
  const say = (line: string): void => options.log(`[${elapsed()}] ${line}`);

  const previous = readState(options.home);
  if (previous?.mode === 'docker') throw dockerMeshRuns(previous);
  if (previous && liveProcesses(previous).length > 0 && options.agents === undefined) {
    options.log(`The mesh is already running (${statePath(options.home)}):`);
    if ((previous.profile ?? '') !== (arch.profile ?? ''))
      options.log(
        `It runs ${previous.profile === undefined ? 'without a profile' : `profile ${previous.profile}`}, ` +
          `not ${arch.profile === undefined ? 'the file as written' : arch.profile}: stop it first to change.`,
      );
    options.log(formatStateTable(previous));
    return { status: 'already-running', state: previous };
  }
  if (previous && liveProcesses(previous).length === 0) rmSync(statePath(options.home), { force: true });

  const selected = options.agents
    ? options.agents.map((name) => {
        const agent = arch.agent(name);
        if (!agent) throw new ReadinessError(`unknown agent ${name} (not in ${arch.file})`);
        return agent;
      })
    : arch.agents;
  const names = new Set(selected.map((a) => a.name));
  const graph = buildGraph(selected.map((a) => [a.name, a.depends_on.filter((d) => names.has(d))]));
  const waves = startWaves(graph);
  if (arch.profile !== undefined) say(`profile ${arch.profile} (${arch.file})`);
  say(
    options.parallel
      ? `start order: all agents at once (--parallel)`
      : `start order: ${waves.map((wave) => wave.join(' + ')).join(' -> ')}`,
  );

  let tls: LocalTls | undefined;
  const existing = readState(options.home);
  if (existing ? existing.tls !== undefined : localTlsMode(options.env) === 'strict') {
    const { tls: layout, result } = await ensureLocalTls(arch, options.root, options.home, options.env);
    tls = layout;
    const issued = result.issued.length > 0 ? `, issued ${result.issued.map((i) => i.label).join(' ')}` : '';
    say(
      `mTLS strict: trust domain ${layout.trustDomain}, certificates in ${layout.dir}` +
        `${result.caCreated ? ' (new CA)' : ''}${issued}`,
    );
  } else {
    say('mTLS off (MCP_MESH_TLS_MODE=off): anyone who can reach these ports is trusted');
  }
  const launcher = new Launcher(arch, { ...options, ...(tls ? { tls } : {}) }, existing);
  const before = new Set(launcher.state.processes.map((p) => p.pid));
  try {
    const registry = launcher.startRegistry().then((how) => {
      say(`registry ${how === 'existing' ? 'already answers' : 'ready'} at ${launcher.state.registryUrl}`);
    });
    const infrastructure = Promise.all(
      arch.infrastructure.map(async (entry) => {
        const where = await launcher.startInfrastructure(entry);
        say(`${entry.name} ready: ${where}`);
      }),
    );
    await Promise.all([registry, infrastructure]);
    const order = options.parallel ? buildGraph(selected.map((a) => [a.name, []])) : graph;
    await startAgentsInOrder(launcher, selected, order, say);
  } catch (error: unknown) {
    launcher.abort();
    reportFailure(error, options.log);
    options.log('Stopping what was started…');
    const pids = launcher.state.processes.filter((p) => !before.has(p.pid)).map((p) => p.pid);
    await stopMesh(options.home, { graceMs: 5000, pids, log: () => undefined });
    return { status: 'failed' };
  }
  const readyMs = Date.now() - started;
  launcher.state.readyMs = readyMs;
  // The gateway's public address: its balancer when its replicas share the port, else its one replica.
  const gateway =
    launcher.state.processes.find((p) => p.name === balancerName('api-gateway')) ??
    launcher.state.processes.find((p) => p.name === 'api-gateway');
  if (gateway?.url) launcher.state.gatewayUrl = gateway.url;
  writeState(options.home, launcher.state);
  const prometheus = writePrometheusConfig(options.home, launcher.state, {
    root: options.root,
    rabbitmqUrl: options.env['RABBITMQ_URL'],
    rabbitmqMetricsUrl: options.env['MESH_RABBITMQ_METRICS_URL'],
  });
  say(`Prometheus configuration for this system: ${prometheus}`);
  options.log('');
  options.log(formatStateTable(launcher.state));
  options.log('');
  const agentProcesses = launcher.state.processes.filter((p) => p.kind === 'agent');
  const startedNow = agentProcesses.filter((p) => !before.has(p.pid));
  const summary = formatReadySummary({
    agents: countOf(agentProcesses.length, 'agent process', 'agent processes'),
    ...(options.agents === undefined
      ? {}
      : { headline: startedHeadline(startedNow, agentProcesses.length, readyMs) }),
    readyMs,
    registryUrl: launcher.state.registryUrl,
    gatewayUrl: launcher.state.gatewayUrl,
    mailUrl: launcher.state.processes.find((p) => p.name === 'smtp-sink')?.url,
    more: balancedReplicas(launcher.state.processes),
  });
  for (const line of summary) options.log(line);
  return { status: 'started', state: launcher.state, readyMs };
}

/** `Gateway replicas: … (behind api-gateway-balancer)` for each balancer, so each replica can be reached too. */
function balancedReplicas(processes: readonly ProcessRecord[]): string[] {
  return processes
    .filter((p) => p.kind === 'balancer')
    .map((balancer) => {
      const agent = balancer.name.replace(/-balancer$/, '');
      const urls = processes.filter((p) => p.kind === 'agent' && p.name === agent).map((p) => p.url);
      return `Replicas: ${urls.join(', ')} (${agent}, behind ${balancer.name})`;
    });
}

function countOf(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `Started 3 agent processes (order-agent x1, user-agent x2) in 2.31 s; 12 agent processes run in all.` */
function startedHeadline(started: readonly ProcessRecord[], running: number, readyMs: number): string {
  const perAgent = new Map<string, number>();
  for (const p of started) perAgent.set(p.name, (perAgent.get(p.name) ?? 0) + 1);
  const which = [...perAgent].map(([name, n]) => `${name} x${n}`).join(', ');
  return (
    `Started ${countOf(started.length, 'agent process', 'agent processes')}` +
    `${which === '' ? '' : ` (${which})`} in ${(readyMs / 1000).toFixed(2)} s; ` +
    `${countOf(running, 'agent process', 'agent processes')} run in all.`
  );
}

async function startAgentsInOrder(
  launcher: Launcher,
  agents: readonly TieredAgent[],
  graph: ReadonlyMap<string, readonly string[]>,
  say: (line: string) => void,
): Promise<void> {
  const done = new Map<string, Promise<void>>();
  const byName = new Map(agents.map((a) => [a.name, a]));
  const start = (name: string): Promise<void> => {
    const existing = done.get(name);
    if (existing) return existing;
    const agent = byName.get(name)!;
    const promise = Promise.all((graph.get(name) ?? []).map(start)).then(async () => {
      const records = await launcher.startAgent(agent);
      const where = records.map((r) => `${r.url} (pid ${r.pid})`).join(', ');
      say(`${agent.name} x${records.length} ready [${agent.tier}]: ${where}`);
      const balancer = await launcher.startBalancer(agent);
      if (balancer !== undefined)
        say(`${balancer.name} ready: ${balancer.url} (pid ${balancer.pid}), round robin over ${agent.name}`);
    });
    done.set(name, promise);
    return promise;
  };
  // Every agent starts as soon as its own dependencies are ready; a failure anywhere fails the start.
  await Promise.all(agents.map((a) => start(a.name)));
}

function reportFailure(error: unknown, log: (line: string) => void): void {
  const message = error instanceof Error ? error.message : String(error);
  log('');
  log(`START FAILED: ${message}`);
  if (error instanceof ReadinessError && error.logFile) {
    const tail = tailFile(error.logFile, 25);
    log(`--- last lines of ${error.logFile} ---`);
    log(tail === '' ? '(empty log)' : tail);
    log('---');
  }
}
