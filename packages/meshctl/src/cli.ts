#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMeshError } from '@mesh/common';
import { loadArchitecture } from './architecture/load.js';
import { checkArchitecture, formatCheckReport } from './check.js';
import { loadConfig } from './config.js';
import { readEnvFile } from './env-file.js';
import { compareGraphs, liveEdges, toDot, toMermaid } from './graph/render.js';
import { formatAgentList } from './commands/list.js';
import { statusCommand } from './commands/status-command.js';
import { restartAgent, showLogs, startAgentsCommand } from './commands/local-commands.js';
import { runChaos } from './chaos/chaos.js';
import { callResolvedTool, resolveTool } from './mcp-call.js';
import { RegistryClient } from './registry-client.js';
import { ensureDatabases } from './local/databases.js';
import { selectLayers } from './docker/compose-project.js';
import { dockerDown, dockerLogs, dockerRestart, dockerStop } from './docker/docker-commands.js';
import { dockerMeshRuns } from './docker/docker-state.js';
import { dockerUp } from './docker/docker-up.js';
import { chooseMode } from './docker/mesh-mode.js';
import { stopMesh, stopWaves } from './local/down.js';
import { up } from './local/up.js';
import { meshHome, readState } from './local/state.js';
import { operatorTls } from './tls/local-tls.js';
import { tlsInit } from './tls/tls-init-command.js';
import { NEW_AGENT_OPTIONS, newAgentCommand } from './scaffold/new-agent-command.js';

const USAGE = `meshctl — run and inspect a mesh of MCP agents

Usage: meshctl <command> [options]

  up [--env-file F] [--parallel] [--layer L…]
                                 start registry, infrastructure and every agent of architecture.yml
                                 (in dependency order; --parallel starts all agents at once): as Docker
                                 containers when an engine answers and Compose v2+ exists, else as local
                                 processes; --layer adds deploy/docker-compose.<L>.yml (Docker only)
  down [--volumes]               stop everything "up" or "start --detach" started (--volumes: also remove
                                 a Docker mesh's volumes, its data and certificates)
  start <agent…> [--detach] [--env-file F]
                                 start agents (a registry first when none answers)
  stop [agent…]                  stop agents (all, with infrastructure, when none named)
  restart <name> [--replica N]   start again what is gone: replicas of an agent, or infrastructure (postgres)
                                 (Docker: every stopped container of the service)
  list [--json]                  registered agent instances (GET /agents)
  status [--json]                registry health and healthy replicas per agent; non-zero when degraded
  call <tool> '<json>' [--proxy] call a tool on a healthy provider (or through the registry /proxy)
  logs <agent> [-n N] [-f]       tail an agent's logs (every replica)
  graph [--format mermaid|dot]   dependency graph: declared (architecture.yml) beside live (registry)
  check [--json]                 architecture.yml against what the agents declare, and the deploy files
                                 (compose, Helm values, prometheus.yml) against it; non-zero on problems
  new agent <name> --tier <tier> [--depends cap,cap] [--replicas N] [--description D]
                                 write agents/<name> from the template and add it to architecture.yml and
                                 the deploy files (docs/adding-an-agent.md)
  chaos [--orders N] [--concurrency C] [--victims a,b]
                                 kill a random replica under a stream of orders, restart it, check invariants
  init-db --url URL [db…]        create databases (default mcp_mesh auth_db business_db) if missing
  tls init [--dir D] [--rotate] [--hosts h1,{name}.ns.svc,*.{name}.pods] [--trust-domain T] [--days N]
                                 create the mesh CA (once) and a certificate for the registry, every agent
                                 of architecture.yml and the operator (meshctl); re-issue those due or --rotate
  tls edge --dir D [--hosts h1,h2] [--days N]
                                 the public edge's server certificate (nginx), from an edge CA of its own

Common options: --root DIR (repo root), --file architecture.yml, --registry-url URL
Environment: MCP_MESH_REGISTRY_URL, DEPENDENCY_TIMEOUT (default 30s), MESH_STOP_GRACE (10s),
             MESH_HOME (default <root>/.mesh), MESH_PORT_OFFSET, MESH_DATABASE_PREFIX, MESH_MODE (auto|local|docker),
             Docker: COMPOSE_PROJECT_NAME (agent-mesh), MESH_COMPOSE_LAYERS (a,b), MESH_COMPOSE_SKIP (services
             not to start), MESH_PUBLISH_HOST (127.0.0.1),
             MCP_MESH_TLS_MODE (strict unless off), MCP_MESH_TRUST_DOMAIN (mesh.local),
             MCP_MESH_TLS_CERT/_KEY/_CA (an operator certificate; default <home>/tls/operator/meshctl.*)`;

const OPTIONS = {
  root: { type: 'string' },
  file: { type: 'string' },
  'registry-url': { type: 'string' },
  'env-file': { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  replica: { type: 'string' },
  lines: { type: 'string', short: 'n' },
  follow: { type: 'boolean', short: 'f' },
  proxy: { type: 'boolean' },
  url: { type: 'string' },
  orders: { type: 'string' },
  concurrency: { type: 'string' },
  victims: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  parallel: { type: 'boolean' },
  dir: { type: 'string' },
  rotate: { type: 'boolean' },
  hosts: { type: 'string' },
  'trust-domain': { type: 'string' },
  days: { type: 'string' },
  layer: { type: 'string', multiple: true },
  volumes: { type: 'boolean' },
  ...NEW_AGENT_OPTIONS,
} as const;

function findRoot(explicit: string | undefined): string {
  if (explicit) return resolve(explicit);
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'architecture.yml'))) return dir;
    if (dirname(dir) === dir) break;
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    print(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const config = loadConfig();
  const root = findRoot(values.root);
  const archFile = resolve(root, values.file ?? 'architecture.yml');
  const home = config.MESH_HOME ?? meshHome(root, {});
  const registryUrl =
    values['registry-url'] ??
    config.MCP_MESH_REGISTRY_URL ??
    readState(home)?.registryUrl ??
    'http://localhost:8000';
  const env = { ...process.env, ...(values['env-file'] ? readEnvFile(values['env-file']) : {}) };
  const tls = registryUrl.startsWith('https:') || command === 'call' ? operatorTls(home, env) : undefined;
  const registry = new RegistryClient(registryUrl, 3000, tls);
  const arch = () => loadArchitecture(archFile, archFile.replace(`${root}/`, ''));
  /** Consumers before providers; everything at once when architecture.yml cannot be read. */
  const waves = (): string[][] | undefined => {
    try {
      return stopWaves(arch().agents);
    } catch {
      return undefined;
    }
  };
  const localOptions = {
    root,
    home,
    env,
    portOffset: config.MESH_PORT_OFFSET,
    databasePrefix: config.MESH_DATABASE_PREFIX,
    timeoutMs: config.DEPENDENCY_TIMEOUT,
    log: print,
  };
  const dockerOptions = { root, home, env, log: print };

  switch (command) {
    case 'up': {
      const running = readState(home);
      if (running?.mode === 'docker' && config.MESH_MODE === 'local') throw dockerMeshRuns(running);
      const decision = chooseMode(config.MESH_MODE, root, env);
      if (decision.mode === 'docker') {
        return dockerUp(arch(), {
          root,
          home,
          env,
          compose: decision.compose,
          project: config.COMPOSE_PROJECT_NAME,
          layers: selectLayers(root, values.layer ?? [], config.MESH_COMPOSE_LAYERS),
          skip: config.MESH_COMPOSE_SKIP,
          portOffset: config.MESH_PORT_OFFSET,
          publishHost: config.MESH_PUBLISH_HOST,
          timeoutMs: config.DEPENDENCY_TIMEOUT,
          log: print,
        });
      }
      if (decision.notice !== undefined) print(`${decision.notice}\n`);
      if ((values.layer ?? []).length > 0 || config.MESH_COMPOSE_LAYERS !== '')
        print(
          'Compose layers apply to the Docker path only; local processes start architecture.yml as it is.',
        );
      const result = await up(arch(), { ...localOptions, parallel: values.parallel ?? false });
      return result.status === 'failed' ? 1 : 0;
    }
    case 'down': {
      const state = readState(home);
      if (state?.mode === 'docker')
        return dockerDown(state, { ...dockerOptions, volumes: values.volumes ?? false });
      if (values.volumes)
        print(`--volumes: only a Docker mesh has volumes; local data stays in ${home}/postgres`);
      await stopMesh(home, { graceMs: config.MESH_STOP_GRACE, waves: waves(), log: print });
      return 0;
    }
    case 'start':
      if (rest.length === 0) throw new Error('start needs at least one agent name');
      return startAgentsCommand(arch(), { ...localOptions, agents: rest, detach: values.detach ?? false });
    case 'stop': {
      const state = readState(home);
      if (state?.mode === 'docker') return dockerStop(state, rest, dockerOptions);
      await stopMesh(home, {
        graceMs: config.MESH_STOP_GRACE,
        waves: waves(),
        log: print,
        ...(rest.length > 0 ? { names: rest } : {}),
      });
      return 0;
    }
    case 'restart': {
      const [name] = rest;
      if (!name) throw new Error('restart needs an agent name');
      const state = readState(home);
      if (state?.mode === 'docker') return dockerRestart(state, name, dockerOptions);
      const replica = values.replica === undefined ? undefined : Number(values.replica);
      return restartAgent(localOptions, name, replica, arch);
    }
    case 'list': {
      const agents = await registry.agents();
      print(values.json ? JSON.stringify(agents, null, 2) : formatAgentList(agents));
      return 0;
    }
    case 'status':
      return statusCommand({
        registry,
        archFile,
        arch,
        root,
        home,
        env,
        json: values.json ?? false,
        log: print,
      });
    case 'call': {
      const [tool, json = '{}'] = rest;
      if (!tool)
        throw new Error(
          'call needs a tool name and JSON arguments: meshctl call user_get \'{"user_id":"user-1"}\'',
        );
      const args = JSON.parse(json) as Record<string, unknown>;
      const target = resolveTool(await registry.agents(), tool);
      const result = await callResolvedTool(target, args, {
        registryUrl: registry.baseUrl,
        viaProxy: values.proxy ?? false,
        tls,
      });
      print(JSON.stringify(result.structuredContent ?? result, null, 2));
      return result.isError === true ? 1 : 0;
    }
    case 'logs': {
      const [name] = rest;
      if (!name) throw new Error('logs needs an agent name');
      const state = readState(home);
      if (state?.mode === 'docker')
        return dockerLogs(state, name, Number(values.lines ?? 50), values.follow ?? false, dockerOptions);
      return showLogs(home, name, Number(values.lines ?? 50), values.follow ?? false, print);
    }
    case 'graph': {
      const declared = arch().agents;
      let live: ReturnType<typeof liveEdges> | undefined;
      try {
        live = liveEdges(await registry.agents());
      } catch {
        live = undefined;
      }
      const graph = compareGraphs(declared, live);
      print(values.format === 'dot' ? toDot(graph) : toMermaid(graph));
      return 0;
    }
    case 'check': {
      const report = await checkArchitecture(arch(), root);
      print(
        values.json
          ? JSON.stringify(
              { ...report, actualDependencies: Object.fromEntries(report.actualDependencies) },
              null,
              2,
            )
          : formatCheckReport(report),
      );
      return report.ok ? 0 : 1;
    }
    case 'new':
      return newAgentCommand(rest, values, { root, archFile, log: print });
    case 'chaos': {
      const bounded = (value: string | undefined, fallback: number, max: number): number =>
        Math.min(max, Math.max(1, Number(value ?? fallback) || fallback));
      const violations = await runChaos({
        home,
        root,
        env,
        orders: bounded(values.orders, 60, 1000),
        concurrency: bounded(values.concurrency, 4, 32),
        deadlineMs: 180_000,
        victims: (values.victims ?? 'auth-agent,user-agent,inventory-agent,payment-agent,order-agent').split(
          ',',
        ),
        log: print,
      });
      for (const v of violations) print(`VIOLATION ${v}`);
      print(
        violations.length === 0 ? 'chaos: all invariants hold' : `chaos: ${violations.length} violation(s)`,
      );
      return violations.length === 0 ? 0 : 1;
    }
    case 'tls':
      return tlsInit(arch(), rest, {
        home,
        env,
        log: print,
        ...(values.dir === undefined ? {} : { dir: resolve(values.dir) }),
        ...(values.hosts === undefined ? {} : { hosts: values.hosts.split(',').filter((h) => h !== '') }),
        ...(values['trust-domain'] === undefined ? {} : { trustDomain: values['trust-domain'] }),
        ...(values.days === undefined ? {} : { days: Number(values.days) }),
        rotate: values.rotate ?? false,
      });
    case 'init-db': {
      const url = values.url ?? env['DATABASE_URL'];
      if (!url) throw new Error('init-db needs --url or DATABASE_URL');
      const names = rest.length > 0 ? rest : ['mcp_mesh', 'auth_db', 'business_db'];
      const created = await ensureDatabases(url, names);
      for (const name of names) print(`${name}: ${created.includes(name) ? 'created' : 'exists'}`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${command}\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = isMeshError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`meshctl: ${message}\n`);
    process.exitCode = 1;
  },
);
