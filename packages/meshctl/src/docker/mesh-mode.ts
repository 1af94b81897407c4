import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MeshError } from '@mesh/common';
import { composeV2Needed, findCompose, type ComposeCli } from './compose-cli.js';
import { BASE_COMPOSE_FILE } from './compose-project.js';

/** How `up` runs the mesh: containers through Compose, or local processes (with a notice why, if any). */
export type ModeDecision =
  | { readonly mode: 'docker'; readonly compose: ComposeCli }
  | { readonly mode: 'local'; readonly notice?: string };

/** True when a Docker engine answers: a client alone (no daemon, no permission on its socket) is not enough. */
export function dockerEngineAnswers(env: NodeJS.ProcessEnv): boolean {
  return spawnSync('docker', ['info'], { env, stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/**
 * MESH_MODE=local: local processes. auto: Docker when an engine answers, the compose file is there and
 * Compose v2+ exists; with an engine but only Compose v1, local processes and a notice saying why.
 * MESH_MODE=docker: Docker or an error (COMPOSE_V2_REQUIRED, DOCKER_UNAVAILABLE) saying what is missing.
 */
export function chooseMode(
  requested: 'auto' | 'local' | 'docker',
  root: string,
  env: NodeJS.ProcessEnv,
): ModeDecision {
  if (requested === 'local') return { mode: 'local' };
  const forced = requested === 'docker';
  if (!existsSync(join(root, BASE_COMPOSE_FILE))) {
    if (!forced) return { mode: 'local' };
    throw new MeshError('DOCKER_UNAVAILABLE', `MESH_MODE=docker, but ${BASE_COMPOSE_FILE} is missing`);
  }
  if (!dockerEngineAnswers(env)) {
    if (!forced) return { mode: 'local' };
    throw new MeshError(
      'DOCKER_UNAVAILABLE',
      'MESH_MODE=docker, but no Docker engine answers (`docker info` fails): start dockerd, or unset MESH_MODE',
    );
  }
  const { cli, found } = findCompose(env);
  if (cli) return { mode: 'docker', compose: cli };
  if (forced) {
    throw new MeshError(
      'COMPOSE_V2_REQUIRED',
      composeV2Needed(found, 'MESH_MODE=docker: nothing started (unset MESH_MODE to use local processes).'),
    );
  }
  return {
    mode: 'local',
    notice: composeV2Needed(found, 'Using local processes instead (MESH_MODE=local skips this check).'),
  };
}
