import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Architecture, TieredAgent } from '../architecture/load.js';
import { isBalanced, replicaPort } from '../architecture/profiles.js';
import type { InfrastructureEntry } from '../architecture/schema.js';
import { readAgentPackage, discoverAgentPackages, type AgentPackage } from '../manifests.js';
import { RegistryClient } from '../registry-client.js';
import { ensureDatabases, withDatabase } from './databases.js';
import { freePort, portIsFree } from '@mesh/common';
import { spawnDetached } from './processes.js';
import {
  awaitReady,
  httpReady,
  jsonLineWith,
  postgresReady,
  readJsonFile,
  ReadinessError,
} from './readiness.js';
import { isRunning, writeState, type MeshState, type ProcessRecord } from './state.js';
import { expand, expandAll } from './template.js';
import type { LocalTls } from '../tls/local-tls.js';
import type { ConnectionOptions } from 'node:tls';
import { readFileSync } from 'node:fs';

export interface LauncherOptions {
  root: string;
  home: string;
  /** The environment agents inherit (process.env plus --env-file). */
  env: NodeJS.ProcessEnv;
  /** Added to every fixed port (MESH_PORT_OFFSET), so tests can run a second system beside the first. */
  portOffset: number;
  /** MESH_DATABASE_PREFIX: put in front of every database name, so systems can share one server. */
  databasePrefix?: string;
  timeoutMs: number;
  /** Flags for every Node process started (before its script), e.g. `--cpu-prof` from MESH_CPU_PROFILE_DIR. */
  nodeFlags?: readonly string[];
  log: (line: string) => void;
  /** The mesh PKI (strict mode): the registry and every agent get their certificate and the policy. */
  tls?: LocalTls;
}

/**
 * Starts the registry, infrastructure and agent replicas of an architecture as local processes, each in its
 * own process group with a log under the mesh home, recording every pid in state.json as soon as it exists
 * (so a failed start can still be stopped).
 */
export class Launcher {
  readonly state: MeshState;
  /** Variables every agent gets from the infrastructure (DATABASE_URL, PAYMENT_GATEWAY_URL…). */
  private readonly exports: Record<string, string> = {};
  private packages: AgentPackage[] | undefined;
  private aborted = false;
  /** What readiness probes trust (the mesh CA) in strict mode. */
  private readonly probeTls: ConnectionOptions | undefined;

  constructor(
    readonly arch: Architecture,
    readonly options: LauncherOptions,
    previous?: MeshState,
  ) {
    const registryPort = arch.registry.port + options.portOffset;
    const scheme = options.tls ? 'https' : 'http';
    this.state = previous ?? {
      version: 1,
      mode: 'local',
      root: options.root,
      startedAt: new Date().toISOString(),
      ...(arch.profile === undefined ? {} : { profile: arch.profile }),
      registryUrl: `${scheme}://127.0.0.1:${registryPort}`,
      ...(options.tls ? { tls: { dir: options.tls.dir, trustDomain: options.tls.trustDomain } } : {}),
      processes: [],
    };
    this.probeTls = options.tls ? { ca: readFileSync(options.tls.caFile) } : undefined;
    Object.assign(this.exports, this.state.exports ?? {});
  }

  /** After a failure: no further process is started, so a cleanup sees every process there is. */
  abort(): void {
    this.aborted = true;
  }

  private record(p: ProcessRecord): void {
    this.state.processes.push(p);
    writeState(this.options.home, this.state);
  }

  private spawn(
    name: string,
    kind: ProcessRecord['kind'],
    replica: number,
    script: string,
    args: string[],
    env: Record<string, string>,
    port?: number,
    scheme: 'http' | 'https' = 'http',
  ) {
    const logFile = join(
      this.options.home,
      'logs',
      replica > 1 || kind === 'agent' ? `${name}-${replica}.log` : `${name}.log`,
    );
    if (this.aborted) throw new ReadinessError(`${name}: not started, the start was aborted`);
    const argv = [...(this.options.nodeFlags ?? []), script, ...args];
    const child = spawnDetached(argv, {
      env: { ...this.options.env, ...env },
      logFile,
      cwd: this.options.root,
    });
    const url = port === undefined ? undefined : `${scheme}://127.0.0.1:${port}`;
    this.record({
      name,
      kind,
      replica,
      pid: child.pid,
      ...(port === undefined ? {} : { port }),
      ...(url === undefined ? {} : { url }),
      log: logFile,
      args: argv,
      env,
      startedAt: new Date().toISOString(),
    });
    return { ...child, logFile, url };
  }

  /** Starts the registry unless one already answers at its URL (then that one is used, as meshctl does). */
  async startRegistry(): Promise<'started' | 'existing'> {
    const client = new RegistryClient(this.state.registryUrl, 1000, this.probeTls);
    if (await client.healthy()) return 'existing';
    const port = this.arch.registry.port + this.options.portOffset;
    const { command, package: pkg } = this.arch.registry;
    const script = resolve(this.options.root, command ?? `${pkg}/dist/main.js`);
    const env = {
      ...expandAll(this.arch.registry.env, { port, home: this.options.home, root: this.options.root }),
      ...this.tlsEnv('registry'),
    };
    const child = this.spawn('registry', 'registry', 1, script, [], env, port, this.scheme);
    const health = `${child.url}/health`;
    await awaitReady('registry', async () => ((await httpReady(health, this.probeTls)) ? true : undefined), {
      timeoutMs: this.options.timeoutMs,
      exited: child.exited,
      logFile: child.logFile,
    });
    return 'started';
  }

  /**
   * Makes one infrastructure service available: the real server when its URL variable is set, else the
   * local stand-in (or nothing when the agents have an in-process fallback). Returns what it used.
   */
  async startInfrastructure(entry: InfrastructureEntry): Promise<string> {
    const realUrl = this.options.env[entry.url_env];
    if (realUrl !== undefined && realUrl !== '') {
      if (entry.databases.length > 0) await ensureDatabases(realUrl, this.databaseNames(entry.databases));
      return `${entry.url_env} (real server)`;
    }
    if (entry.command === undefined) return 'in-process fallback';
    const running = this.state.processes.find((p) => p.name === entry.name && isRunning(p));
    if (running) return `already running (pid ${running.pid})`;
    const ports: Record<string, number> = {};
    for (const [key, port] of Object.entries(entry.ports)) {
      ports[key] = port + this.options.portOffset;
      if (!(await portIsFree(ports[key]))) {
        throw new ReadinessError(`${entry.name}: port ${ports[key]} is already in use`);
      }
    }
    const readyFile = join(this.options.home, 'run', `${entry.name}.json`);
    // A ready file of an earlier run must not pass for this one.
    rmSync(readyFile, { force: true });
    const scope = {
      ports,
      port: ports['main'] ?? Object.values(ports)[0],
      home: this.options.home,
      root: this.options.root,
      ready_file: readyFile,
    };
    const script = resolve(this.options.root, entry.command);
    const args = entry.args.map((arg) => expand(arg, scope));
    const child = this.spawn(
      entry.name,
      'infrastructure',
      1,
      script,
      args,
      expandAll(entry.env, scope),
      scope.port,
    );
    let json: Record<string, unknown> | undefined;
    const ready = entry.ready;
    if (ready !== undefined && 'postgres' in ready) {
      json = await awaitReady(
        entry.name,
        async () => {
          const written = readJsonFile(readyFile);
          const url = written?.[ready.postgres];
          return typeof url === 'string' && (await postgresReady(url)) ? written : undefined;
        },
        { timeoutMs: this.options.timeoutMs, exited: child.exited, logFile: child.logFile },
      );
      this.trackServer(child.pid, json['server_pid']);
    } else if (ready !== undefined && 'log_json' in ready) {
      json = await awaitReady(
        entry.name,
        async () => jsonLineWith(child.logFile, ready.log_json, child.logStart),
        {
          timeoutMs: this.options.timeoutMs,
          exited: child.exited,
          logFile: child.logFile,
        },
      );
    } else if (ready !== undefined) {
      const port = ports[ready.port] ?? scope.port;
      await awaitReady(
        entry.name,
        async () => ((await httpReady(`http://127.0.0.1:${port}${ready.http}`)) ? true : undefined),
        {
          timeoutMs: this.options.timeoutMs,
          exited: child.exited,
          logFile: child.logFile,
        },
      );
    }
    const exported = expandAll(entry.exports, { ...scope, ...(json ? { json } : {}) });
    Object.assign(this.exports, exported);
    this.state.exports = { ...this.exports };
    writeState(this.options.home, this.state);
    const adminUrl = exported[entry.url_env];
    if (entry.databases.length > 0 && adminUrl !== undefined)
      await ensureDatabases(adminUrl, this.databaseNames(entry.databases));
    return Object.values(ports)
      .map((p) => `127.0.0.1:${p}`)
      .join(', ');
  }

  /**
   * The record of the wrapper `wrapperPid` tracks the server it started instead (`server_pid` of its ready
   * JSON), so `status` shows the pid that is the service and stopping or killing that pid stops the service.
   * The wrapper stays as supervisor: it leads the process group and exits when the server does.
   */
  private trackServer(wrapperPid: number, serverPid: unknown): void {
    if (typeof serverPid !== 'number' || !Number.isInteger(serverPid) || serverPid <= 0) return;
    const record = this.state.processes.find((p) => p.pid === wrapperPid);
    if (record === undefined) return;
    record.pid = serverPid;
    record.supervisorPid = wrapperPid;
    record.stopSignal = 'SIGINT';
    writeState(this.options.home, this.state);
  }

  private databaseName(name: string): string {
    return `${this.options.databasePrefix ?? ''}${name}`;
  }

  private databaseNames(names: readonly string[]): string[] {
    return names.map((name) => this.databaseName(name));
  }

  private packageOf(agent: TieredAgent): AgentPackage {
    if (agent.package !== undefined) {
      const pkg = readAgentPackage(resolve(this.options.root, agent.package));
      if (pkg) return pkg;
    }
    this.packages ??= discoverAgentPackages(this.options.root);
    const dirName = agent.name.replace(/-agent$/, '');
    const pkg = this.packages.find((p) => p.dir.endsWith(`/${dirName}`) || p.dir.endsWith(`/${agent.name}`));
    if (!pkg)
      throw new ReadinessError(`${agent.name}: no agent package found (set package: in architecture.yml)`);
    return pkg;
  }

  /** The environment of one agent replica (on top of the inherited one). */
  agentEnv(agent: TieredAgent, port: number, replica: number): Record<string, string> {
    const env: Record<string, string> = {
      ...this.exports,
      MCP_MESH_REGISTRY_URL: this.state.registryUrl,
      MCP_MESH_HTTP_HOST: '127.0.0.1',
      MCP_MESH_HTTP_PORT: String(port),
    };
    const databaseUrl = env['DATABASE_URL'] ?? this.options.env['DATABASE_URL'];
    if (agent.database !== undefined && databaseUrl)
      env['DATABASE_URL'] = withDatabase(databaseUrl, this.databaseName(agent.database));
    return {
      ...env,
      ...this.tlsEnv(agent.name),
      ...expandAll(agent.env, { port, replica, home: this.options.home, root: this.options.root }),
    };
  }

  private get scheme(): 'http' | 'https' {
    return this.options.tls ? 'https' : 'http';
  }

  /** Strict mode: the workload's certificate, the CA, the trust domain and the policy; plain: TLS off. */
  private tlsEnv(name: string): Record<string, string> {
    return this.options.tls ? this.options.tls.envFor(name) : { MCP_MESH_TLS_MODE: 'off' };
  }

  /** Starts every replica of an agent at once and waits until each answers /ready. */
  async startAgent(
    agent: TieredAgent,
    replicas: readonly number[] = range(agent.replicas),
  ): Promise<ProcessRecord[]> {
    const pkg = this.packageOf(agent);
    const started = await Promise.all(
      replicas.map(async (replica) => {
        const fixed = replicaPort(agent, replica, this.options.portOffset);
        const port = fixed ?? (await freePort());
        if (fixed !== undefined && !(await portIsFree(port))) {
          throw new ReadinessError(`${agent.name}: port ${port} is already in use`);
        }
        const child = this.spawn(
          agent.name,
          'agent',
          replica,
          pkg.mainModule,
          [],
          this.agentEnv(agent, port, replica),
          port,
          // The edge's fixed port is its public one: plain HTTP for users (nginx terminates TLS in compose).
          agent.tier === 'edge' ? 'http' : this.scheme,
        );
        return { child, replica };
      }),
    );
    await Promise.all(
      started.map(({ child, replica }) =>
        awaitReady(
          `${agent.name} #${replica}`,
          async () => ((await httpReady(`${child.url}/ready`, this.probeTls)) ? true : undefined),
          {
            timeoutMs: this.options.timeoutMs,
            exited: child.exited,
            logFile: child.logFile,
          },
        ),
      ),
    );
    const pids = new Set(started.map((s) => s.child.pid));
    return this.state.processes.filter((p) => pids.has(p.pid));
  }

  /**
   * Starts the balancer in front of a balanced agent's replicas (several on a fixed port, see replicaPort) on
   * that port, unless it runs already, and waits until a request through it reaches a ready replica. Returns
   * its record, or undefined for an agent that needs none.
   */
  async startBalancer(agent: TieredAgent): Promise<ProcessRecord | undefined> {
    if (!isBalanced(agent) || agent.port === undefined) return undefined;
    const name = balancerName(agent.name);
    const running = this.state.processes.find((p) => p.name === name && isRunning(p));
    if (running) return running;
    const port = agent.port + this.options.portOffset;
    if (!(await portIsFree(port))) throw new ReadinessError(`${name}: port ${port} is already in use`);
    const backends = range(agent.replicas).map(
      (r) => `127.0.0.1:${replicaPort(agent, r, this.options.portOffset)}`,
    );
    const script = BALANCER_SCRIPT;
    const env = { PORT: String(port), HOST: '127.0.0.1', BALANCER_BACKENDS: backends.join(',') };
    const child = this.spawn(name, 'balancer', 1, script, [], env, port, 'http');
    await awaitReady(name, async () => ((await httpReady(`${child.url}/ready`)) ? true : undefined), {
      timeoutMs: this.options.timeoutMs,
      exited: child.exited,
      logFile: child.logFile,
    });
    return this.state.processes.find((p) => p.pid === child.pid);
  }
}

/**
 * The balancer in front of several replicas sharing a fixed port: @mesh/sandboxes' executable, found beside
 * this package (packages/meshctl/dist/local -> packages/sandboxes/dist) rather than under the root of the
 * architecture, which need not be this repository.
 */
export const BALANCER_SCRIPT = fileURLToPath(
  new URL('../../../sandboxes/dist/http-balancer.js', import.meta.url),
);

/** The process name of the balancer in front of an agent's replicas: `api-gateway-balancer`. */
export function balancerName(agentName: string): string {
  return `${agentName}-balancer`;
}

export function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}
