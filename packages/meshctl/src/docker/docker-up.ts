import { MeshError } from '@mesh/common';
import type { Architecture } from '../architecture/load.js';
import { buildGraph, startWaves } from '../graph/dependency-graph.js';
import { liveProcesses, readState, statePath, writeState } from '../local/state.js';
import { formatReadySummary } from '../ready-summary.js';
import { trustDomainOf } from '../tls/local-tls.js';
import type { ComposeCli } from './compose-cli.js';
import { composeCommandLine, composeFiles, type ComposeRecord } from './compose-project.js';
import { containerOk, formatContainers, parseComposePs, type ComposeContainer } from './compose-ps.js';
import { dockerContainers } from './docker-commands.js';
import { runCompose } from './compose-run.js';
import { dockerState, dockerTlsDir, dockerUrls } from './docker-state.js';
import { copyOperatorTls } from './operator-tls.js';
import { publishedPorts } from './published-ports.js';

export interface DockerUpOptions {
  readonly root: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly compose: ComposeCli;
  /** COMPOSE_PROJECT_NAME or `agent-mesh`. */
  readonly project: string;
  /** Compose layers on top of the base file (`event-driven` → deploy/docker-compose.event-driven.yml). */
  readonly layers: readonly string[];
  /** MESH_PORT_OFFSET: every published port moves by it, as every fixed port of a local start does. */
  readonly portOffset: number;
  /** MESH_PUBLISH_HOST. */
  readonly publishHost: string;
  /**
   * MESH_COMPOSE_SKIP: services of the files not to start (e.g. `grafana,jaeger` where their images cannot be
   * had); each must be a service of the files, and nothing started may depend on it.
   */
  readonly skip?: readonly string[];
  /** DEPENDENCY_TIMEOUT: each wave's `--wait-timeout` (at least MIN_WAVE_TIMEOUT_MS: containers start cold). */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Epoch ms the start began (`startEpochMs`), so "ready in" counts the CLI's start-up; default: now. */
  readonly startedAtMs?: number;
}

/** Containers start cold (image, healthcheck interval): a wave gets at least this long to become healthy. */
export const MIN_WAVE_TIMEOUT_MS = 120_000;
/** Started by the waves that need them (nginx last, the certificate step as everyone's dependency). */
const EDGE_SERVICES = ['nginx'];
const DEPENDENCY_ONLY = ['mesh-certs'];

/**
 * The start order: infrastructure and the registry (every service of the files that is neither an agent, nor
 * the edge, nor a one-shot dependency), then the agents wave by wave as architecture.yml's dependencies
 * order them, then nginx.
 */
export function dockerWaves(arch: Architecture, services: readonly string[]): string[][] {
  const present = new Set(services);
  const agents = arch.agents.filter((agent) => present.has(agent.name));
  const agentNames = new Set(agents.map((agent) => agent.name));
  const infrastructure = services.filter(
    (s) => !agentNames.has(s) && !EDGE_SERVICES.includes(s) && !DEPENDENCY_ONLY.includes(s),
  );
  const waves = startWaves(
    buildGraph(agents.map((agent) => [agent.name, agent.depends_on.filter((d) => agentNames.has(d))])),
  );
  const edge = EDGE_SERVICES.filter((s) => present.has(s));
  return [infrastructure, ...waves, edge].filter((wave) => wave.length > 0);
}

/**
 * The Docker path of `up`: writes the mesh state first (so `down` finds a failed start too), then starts the
 * waves of `dockerWaves` with `up -d --wait`, each returning once its services' healthchecks pass. After the
 * first wave it copies the operator certificate out, so status, list and chaos reach the registry.
 */
export async function dockerUp(arch: Architecture, options: DockerUpOptions): Promise<number> {
  const started = options.startedAtMs ?? Date.now();
  const record: ComposeRecord = {
    command: options.compose.command,
    project: options.project,
    files: composeFiles(options.layers),
    layers: options.layers,
    publishHost: options.publishHost,
    ports: publishedPorts(arch, options.portOffset),
  };
  refuseLocalMesh(options.home);
  const running = await runningDockerMesh(options);
  if (running.length > 0) {
    const previous = readState(options.home)!;
    options.log(
      `The mesh is already running (${statePath(options.home)}, ${composeCommandLine(previous.compose!)}):`,
    );
    options.log(formatContainers(running));
    options.log(
      'Stop it first to start it with other layers, ports or images: ./scripts/stop-multi-agent.sh',
    );
    return 0;
  }
  const run = { root: options.root, env: options.env };
  const where = composeCommandLine(record);
  options.log(`docker: Compose ${options.compose.version.text}, ${where}`);

  const config = await runCompose(record, ['config', '--services'], { ...run, capture: true });
  if (config.code !== 0) {
    options.log(`docker: the compose files do not validate:\n${config.stderr.trim()}`);
    return config.code;
  }
  const declared = config.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const skip = options.skip ?? [];
  const unknown = skip.filter((s) => !declared.includes(s));
  if (unknown.length > 0) {
    throw new MeshError(
      'INVALID_CONFIG',
      `MESH_COMPOSE_SKIP names ${unknown.join(', ')}, not a service of ${record.files.join(', ')}; services: ${declared.join(', ')}`,
    );
  }
  const services = declared.filter((s) => !skip.includes(s));
  if (skip.length > 0) options.log(`docker: not starting ${skip.join(', ')} (MESH_COMPOSE_SKIP)`);
  const trustDomain = trustDomainOf(options.env);
  const state = dockerState(options.root, options.home, record, trustDomain);
  if (arch.profile !== undefined) state.profile = arch.profile;
  writeState(options.home, state);

  const waitSeconds = Math.ceil(Math.max(options.timeoutMs, MIN_WAVE_TIMEOUT_MS) / 1000);
  const waves = dockerWaves(arch, services);
  options.log(`start order: ${waves.map((wave) => wave.join(' + ')).join(' -> ')}`);
  for (const [index, wave] of waves.entries()) {
    options.log(`docker: starting ${wave.join(', ')}`);
    const up = await runCompose(
      record,
      ['up', '--detach', '--wait', '--wait-timeout', String(waitSeconds), ...wave],
      run,
    );
    if (up.code !== 0) {
      options.log('');
      options.log(`START FAILED: ${wave.join(', ')} did not become healthy within ${waitSeconds} s.`);
      options.log(`See: bin/meshctl status, bin/meshctl logs <service> (or ${where} logs)`);
      // Unlike a local start, what did start keeps running: its logs are what explains the failure.
      options.log(
        'What started keeps running; stop it with ./scripts/stop-multi-agent.sh (or bin/meshctl down)',
      );
      return up.code;
    }
    if (index === 0) {
      const problem = await copyOperatorTls(record, dockerTlsDir(options.home), { ...run, trustDomain });
      if (problem)
        options.log(
          `docker: no operator certificate for meshctl (${problem}): status and list cannot reach the registry`,
        );
    }
  }

  state.readyMs = Date.now() - started;
  writeState(options.home, state);
  const ps = await runCompose(record, ['ps', '--all', '--format', 'json'], { ...run, capture: true });
  const containers = parseComposePs(ps.stdout);
  const agentNames = new Set(arch.agents.map((agent) => agent.name));
  const agents = containers.filter((c) => agentNames.has(c.service) && containerOk(c)).length;
  const urls = dockerUrls(record);
  options.log('');
  options.log(formatContainers(containers));
  options.log('');
  for (const line of formatReadySummary({
    agents: `${agents} agent containers`,
    readyMs: state.readyMs,
    registryUrl: urls.registry,
    gatewayUrl: urls.gateway,
    mailUrl: urls.mail,
    more: [`nginx:    ${urls.nginxHttp}  ${urls.nginxHttps} (edge certificate)`],
  }))
    options.log(line);
  return 0;
}

/** A running local mesh must be stopped first: the two would fight over the same ports. */
function refuseLocalMesh(home: string): void {
  const previous = readState(home);
  if (previous === undefined || previous.mode === 'docker') return;
  const live = liveProcesses(previous).length;
  if (live === 0) return;
  throw new MeshError(
    'CONFLICT',
    `a local mesh runs (${live} processes, ${home}/state.json); stop it first: ./scripts/stop-multi-agent.sh`,
  );
}

/**
 * The running containers of the Docker mesh the state records (none when there is no such state, or compose
 * cannot say): a second start then says it already runs, as a local one does, instead of recreating
 * containers with whatever the environment now says.
 */
async function runningDockerMesh(options: DockerUpOptions): Promise<ComposeContainer[]> {
  const previous = readState(options.home);
  if (previous?.mode !== 'docker' || previous.compose === undefined) return [];
  try {
    const containers = await dockerContainers(previous, options);
    return containers.some((c) => c.state === 'running') ? containers : [];
  } catch {
    return [];
  }
}
