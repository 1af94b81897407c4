import { MeshError } from '@mesh/common';
import type { Architecture } from '../architecture/load.js';
import { entryToFollow, type DeployAgent, type DeployProblem } from './deploy-agent.js';
import {
  anchorsOf,
  blankLineBefore,
  endOf,
  indent,
  insertLines,
  mapAt,
  pairsOf,
  parseYamlSource,
  seqAt,
  type YamlSource,
} from './yaml-source.js';

/** The multi-agent base: one service per agent of architecture.yml. */
export const COMPOSE_BASE = 'deploy/docker-compose.yml';

/** A layer file and what it must hold for every agent (undefined: only the agents it concerns). */
export interface ComposeLayer {
  readonly path: string;
  /** Why every agent needs a service here; undefined when the layer lists only some. */
  readonly everyAgent?: string;
  /** The layer scales out: its replicas may exceed architecture.yml's, never fall below. */
  readonly scalesOut?: boolean;
  /** The lines of a new agent's service (the layer's anchors), or undefined when it needs none. */
  block?(agent: DeployAgent): string;
}

export const COMPOSE_LAYERS: readonly ComposeLayer[] = [
  {
    path: 'deploy/docker-compose.microservices.yml',
    everyAgent: 'it gives every agent resource limits and restart policies',
    scalesOut: true,
    block: (agent) =>
      `${agent.name}:\n  image: *image\n  deploy:\n    <<: *limits\n    replicas: ${agent.replicas}\n`,
  },
  {
    path: 'deploy/docker-compose.monitoring.yml',
    everyAgent: "it turns on every agent's trace export",
    block: (agent) => `${agent.name}:\n  image: *image\n  environment:\n    <<: *otel\n`,
  },
  // The event bus concerns the agents that publish or consume events only.
  { path: 'deploy/docker-compose.event-driven.yml' },
];

interface ComposeService {
  command?: unknown;
  image?: unknown;
  deploy?: { replicas?: unknown };
  depends_on?: Record<string, { condition?: string }> | string[];
  volumes?: unknown[];
}

function servicesOf(source: YamlSource): Record<string, ComposeService> {
  const js = source.doc.toJS() as { services?: Record<string, ComposeService> } | null;
  return js?.services ?? {};
}

/** A service that runs an agent: named `*-agent`, or started with an agent's name as its command. */
function looksLikeAgent(name: string, service: ComposeService): boolean {
  const command = Array.isArray(service.command) ? service.command[0] : undefined;
  return name.endsWith('-agent') || (typeof command === 'string' && command.endsWith('-agent'));
}

function dependsOnNames(service: ComposeService): string[] {
  const deps = service.depends_on;
  if (deps === undefined) return [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

/**
 * The base file against architecture.yml: a service per agent started with its name, its replicas, a
 * depends_on entry per agent it depends on (startup order), its own certificate volume issued by mesh-certs;
 * and no agent service architecture.yml does not declare.
 */
export function composeBaseProblems(arch: Architecture, source: YamlSource): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const services = servicesOf(source);
  const servicesNode = mapAt(source, ['services']);
  const at = (name: string, ...path: string[]): string =>
    source.locate(source.doc.getIn(['services', name, ...path], true) ?? servicesNode);
  const certVolumes = (services['mesh-certs']?.volumes ?? []).map(String);
  const topVolumes = new Set(Object.keys(mapAt(source, ['volumes'])?.toJSON() ?? {}));
  for (const agent of arch.agents) {
    const service = services[agent.name];
    if (service === undefined) {
      problems.push({
        location: source.locate(servicesNode),
        message: `${source.path} has no service ${agent.name} (architecture.yml declares it)`,
      });
      continue;
    }
    const command = Array.isArray(service.command) ? service.command : [];
    if (command[0] !== agent.name)
      problems.push({
        location: at(agent.name, 'command'),
        message: `${agent.name}: command is ${JSON.stringify(service.command ?? null)}, expected ['${agent.name}'] (the image starts the agent it names)`,
      });
    const replicas = service.deploy?.replicas ?? 1;
    if (replicas !== agent.replicas)
      problems.push({
        location: at(agent.name, 'deploy', 'replicas'),
        message: `${agent.name}: ${source.path} has replicas ${String(replicas)}, architecture.yml has ${agent.replicas}`,
      });
    const deps = dependsOnNames(service);
    for (const dependency of agent.depends_on)
      if (!deps.includes(dependency))
        problems.push({
          location: at(agent.name, 'depends_on'),
          message: `${agent.name} does not wait for ${dependency} (depends_on), which architecture.yml says it depends on`,
        });
    for (const dependency of deps)
      if (arch.agent(dependency) !== undefined && !agent.depends_on.includes(dependency))
        problems.push({
          location: at(agent.name, 'depends_on', dependency),
          message: `${agent.name} waits for ${dependency}, but architecture.yml does not list it in depends_on`,
        });
    const volume = `tls-${agent.name}`;
    if (!(service.volumes ?? []).map(String).includes(`${volume}:/run/mesh-tls:ro`))
      problems.push({
        location: at(agent.name, 'volumes'),
        message: `${agent.name} does not mount its certificate volume (${volume}:/run/mesh-tls:ro)`,
      });
    if (!certVolumes.some((entry) => entry.startsWith(`${volume}:`)))
      problems.push({
        location: at('mesh-certs', 'volumes'),
        message: `mesh-certs issues no certificate for ${agent.name} (no ${volume} volume)`,
      });
    if (!topVolumes.has(volume))
      problems.push({
        location: source.locate(mapAt(source, ['volumes'])),
        message: `${source.path} declares no volume ${volume}`,
      });
  }
  for (const [name, service] of Object.entries(services))
    if (looksLikeAgent(name, service) && arch.agent(name) === undefined)
      problems.push({
        location: at(name),
        message: `service ${name} runs an agent that architecture.yml does not declare`,
      });
  return problems;
}

/**
 * A layer against architecture.yml and the base file: a service per agent where the layer concerns every
 * agent (with replicas not below architecture.yml's where it scales out), and no service that overrides one
 * the base file does not define (it would start the image's default command).
 */
export function composeLayerProblems(
  arch: Architecture,
  layer: ComposeLayer,
  source: YamlSource,
  baseServices: ReadonlySet<string>,
): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const services = servicesOf(source);
  const at = (name: string, ...path: string[]): string =>
    source.locate(source.doc.getIn(['services', name, ...path], true) ?? mapAt(source, ['services']));
  if (layer.everyAgent !== undefined)
    for (const agent of arch.agents) {
      const service = services[agent.name];
      if (service === undefined) {
        problems.push({
          location: source.locate(mapAt(source, ['services'])),
          message: `${source.path} has no service ${agent.name}: ${layer.everyAgent}`,
        });
        continue;
      }
      const replicas = service.deploy?.replicas;
      if (layer.scalesOut && typeof replicas === 'number' && replicas < agent.replicas)
        problems.push({
          location: at(agent.name, 'deploy', 'replicas'),
          message: `${agent.name}: ${source.path} has replicas ${replicas}, below architecture.yml's ${agent.replicas}`,
        });
    }
  for (const [name, service] of Object.entries(services)) {
    const overrides = service.command === undefined && !baseServices.has(name);
    if (looksLikeAgent(name, service) && arch.agent(name) === undefined)
      problems.push({
        location: at(name),
        message: `service ${name} configures an agent that architecture.yml does not declare`,
      });
    else if (overrides && typeof service.image === 'string' && service.image.includes('MESH_IMAGE'))
      problems.push({
        location: at(name),
        message: `service ${name} overrides a service ${COMPOSE_BASE} does not define`,
      });
  }
  return problems;
}

function requireAnchors(source: YamlSource, names: readonly string[]): void {
  const anchors = anchorsOf(source.doc);
  const missing = names.filter((name) => !anchors.has(name));
  if (missing.length > 0)
    throw new MeshError(
      'DEPLOY_FILE_CHANGED',
      `${source.path} has no ${missing.map((name) => `&${name}`).join(', ')} anchor: add the service by hand`,
    );
}

/** Inserts a service after the right sibling (tier order), separated as the file separates its services. */
function insertService(source: YamlSource, arch: Architecture, agent: DeployAgent, block: string): string {
  const services = mapAt(source, ['services']);
  if (services === undefined) throw new MeshError('DEPLOY_FILE_CHANGED', `${source.path} has no services`);
  const entries = pairsOf(services).map(({ key, pair }) => ({ key, node: pair }));
  const follow = entryToFollow(entries, arch, agent.tierRank);
  const offset = follow === undefined ? source.text.length : endOf(source.text, follow);
  const keyOffset = follow !== undefined && 'key' in follow ? rangeOf(follow.key) : undefined;
  const column = keyOffset === undefined ? 2 : keyOffset - source.text.lastIndexOf('\n', keyOffset - 1) - 1;
  const spaced = keyOffset !== undefined && blankLineBefore(source.text, keyOffset);
  return insertLines(source.text, offset, `${spaced ? '\n' : ''}${indent(block, column)}`);
}

function rangeOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

/** The base file's service for a new agent (no database: its docs say how to add one), certificate included. */
export function addToComposeBase(source: YamlSource, arch: Architecture, agent: DeployAgent): string {
  requireAnchors(source, ['agent', 'agent-env', 'base-deps']);
  const waits = agent.dependsOn.map((name) => `    ${name}:\n      condition: service_healthy\n`).join('');
  const block =
    `${agent.name}:\n` +
    `  <<: *agent\n` +
    `  command: ['${agent.name}']\n` +
    `  volumes:\n` +
    `    - tls-${agent.name}:/run/mesh-tls:ro\n` +
    `  environment:\n` +
    `    <<: *agent-env\n` +
    `    MCP_MESH_HTTP_HOST: ${agent.name}\n` +
    `  depends_on:\n` +
    `    <<: *base-deps\n` +
    waits +
    `  deploy:\n` +
    `    replicas: ${agent.replicas}\n`;
  let text = insertService(source, arch, agent, block);
  text = appendToSequence(text, source.path, ['services', 'mesh-certs', 'volumes'], (line) =>
    line.replace(/tls-[a-z0-9-]+:\/mesh-tls\/[a-z0-9-]+/, `tls-${agent.name}:/mesh-tls/${agent.name}`),
  );
  return appendVolume(text, source.path, `tls-${agent.name}`);
}

/** A layer's service for a new agent; the text unchanged when the layer does not list every agent. */
export function addToComposeLayer(
  layer: ComposeLayer,
  source: YamlSource,
  arch: Architecture,
  agent: DeployAgent,
): string {
  if (layer.block === undefined) return source.text;
  requireAnchors(source, layer.path.includes('microservices') ? ['image', 'limits'] : ['image', 'otel']);
  return insertService(source, arch, agent, layer.block(agent));
}

/** Repeats the last item of a block sequence, changed by `edit` (same indentation, same style). */
function appendToSequence(
  text: string,
  path: string,
  at: readonly string[],
  edit: (line: string) => string,
): string {
  const source = parseYamlSource(path, text);
  const seq = seqAt(source, at);
  const last = seq?.items.at(-1);
  if (seq === undefined || last === undefined || last === null)
    throw new MeshError('DEPLOY_FILE_CHANGED', `${path} has no ${at.join('.')} list to add to`);
  const end = endOf(text, last as Parameters<typeof endOf>[1]);
  const lineStart = text.lastIndexOf('\n', end - 2) + 1;
  const line = text.slice(lineStart, end);
  const changed = edit(line);
  if (changed === line) throw new MeshError('DEPLOY_FILE_CHANGED', `${path}: cannot add to ${at.join('.')}`);
  return insertLines(text, end, changed);
}

/** Adds a top-level named volume after the last `tls-*` one. */
function appendVolume(text: string, path: string, volume: string): string {
  const source = parseYamlSource(path, text);
  const volumes = pairsOf(mapAt(source, ['volumes'])).filter(({ key }) => key.startsWith('tls-'));
  const last = volumes.at(-1);
  if (last === undefined) throw new MeshError('DEPLOY_FILE_CHANGED', `${path} has no tls-* volumes`);
  const end = endOf(text, last.pair);
  const keyStart = rangeOf(last.pair.key) ?? end;
  const column = keyStart - text.lastIndexOf('\n', keyStart - 1) - 1;
  return insertLines(text, end, `${' '.repeat(column)}${volume}:`);
}
