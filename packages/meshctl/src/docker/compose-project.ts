import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshError } from '@mesh/common';
import { publishEnv, type PublishedPorts } from './published-ports.js';

export const BASE_COMPOSE_FILE = 'deploy/docker-compose.yml';
/** One fixed project name, so the start, the stop script and anything else driving compose agree. */
export const DEFAULT_PROJECT_NAME = 'agent-mesh';

/**
 * The Docker side of `.mesh/state.json`: everything `down`, `status`, `logs` and `chaos` need to address the
 * same containers with the same files and variables as the start did.
 */
export interface ComposeRecord {
  /** `docker compose` or a `docker-compose` of v2 or later. */
  readonly command: readonly string[];
  readonly project: string;
  /** `-f` files relative to the repository root: the base file, then one per layer. */
  readonly files: readonly string[];
  readonly layers: readonly string[];
  /** MESH_PUBLISH_HOST: where published ports listen. */
  readonly publishHost: string;
  readonly ports: PublishedPorts;
}

/** The layers next to the base file: `deploy/docker-compose.<layer>.yml`. */
export function availableLayers(root: string): string[] {
  const deploy = join(root, 'deploy');
  if (!existsSync(deploy)) return [];
  return readdirSync(deploy)
    .map((file) => /^docker-compose\.([a-z0-9-]+)\.yml$/.exec(file)?.[1])
    .filter((layer): layer is string => layer !== undefined)
    .sort();
}

/**
 * The layers asked for, from `--layer` flags or else MESH_COMPOSE_LAYERS (comma-separated), each checked
 * against the files that exist, without duplicates, in the order given.
 */
export function selectLayers(root: string, flags: readonly string[], fromEnv: string | undefined): string[] {
  const asked = flags.length > 0 ? flags.flatMap((flag) => flag.split(',')) : (fromEnv ?? '').split(',');
  const layers = [...new Set(asked.map((layer) => layer.trim()).filter((layer) => layer !== ''))];
  const known = availableLayers(root);
  const unknown = layers.filter((layer) => !known.includes(layer));
  if (unknown.length > 0)
    throw new MeshError(
      'CONFIG_INVALID',
      `unknown compose layer ${unknown.map((l) => `"${l}"`).join(', ')}: expected ${known.join(', ') || 'none (no layer files)'} ` +
        '(deploy/docker-compose.<layer>.yml)',
    );
  return layers;
}

/**
 * The layers of a Docker start with a profile: the profile's own layer (deploy/docker-compose.<profile>.yml,
 * which `meshctl check` keeps equal to the profile) after those asked for. A profile without one is an error:
 * the Docker path has no other way to run it.
 */
export function withProfileLayer(
  root: string,
  layers: readonly string[],
  profile: string | undefined,
): string[] {
  if (profile === undefined || layers.includes(profile)) return [...layers];
  if (!availableLayers(root).includes(profile))
    throw new MeshError(
      'CONFIG_INVALID',
      `profile "${profile}" has no compose layer (deploy/docker-compose.${profile}.yml): ` +
        'the Docker path runs a profile through its layer; MESH_MODE=local runs it as local processes',
    );
  return [...layers, profile];
}

/** The `-f` files of a start with these layers. */
export function composeFiles(layers: readonly string[]): string[] {
  return [BASE_COMPOSE_FILE, ...layers.map((layer) => `deploy/docker-compose.${layer}.yml`)];
}

/** argv (after the binary) addressing the record's project and files, e.g. `compose -p agent-mesh -f …`. */
export function composeArgs(record: ComposeRecord): string[] {
  return [...record.command.slice(1), '-p', record.project, ...record.files.flatMap((file) => ['-f', file])];
}

/** The whole command as a user would type it (for messages). */
export function composeCommandLine(record: ComposeRecord): string {
  return [record.command[0], ...composeArgs(record)].join(' ');
}

/** What compose runs with: the caller's environment plus the published ports and the project name. */
export function composeEnv(record: ComposeRecord, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, ...publishEnv(record.ports, record.publishHost), COMPOSE_PROJECT_NAME: record.project };
}
