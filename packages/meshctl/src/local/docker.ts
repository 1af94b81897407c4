import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '../architecture/load.js';
import { buildGraph, startWaves } from '../graph/dependency-graph.js';

export interface DockerOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

const COMPOSE_FILE = 'deploy/docker-compose.yml';

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever exists; undefined when neither. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 5000 }).status === 0)
    return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore', timeout: 5000 }).status === 0)
    return ['docker-compose'];
  return undefined;
}

/** True only when a Docker engine answers (`docker info`), compose exists and the compose file is there. */
export async function dockerAvailable(root: string): Promise<boolean> {
  if (!existsSync(join(root, COMPOSE_FILE))) return false;
  const info = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  return info.status === 0 && composeCommand() !== undefined;
}

function run(command: string[], options: DockerOptions): Promise<number> {
  return new Promise((resolve) => {
    const [bin, ...args] = command as [string, ...string[]];
    const child = spawn(bin, args, { cwd: options.root, env: options.env, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

/**
 * The Docker path: the same start order as the local one (infrastructure and registry, then agents wave by
 * wave, then nginx), each `up --wait` returning only once the services' healthchecks pass.
 */
export async function dockerUp(arch: Architecture, options: DockerOptions): Promise<number> {
  const compose = composeCommand();
  if (!compose) return 1;
  const base = [...compose, '-f', COMPOSE_FILE];
  const infra = ['postgres', 'redis', 'registry', 'payment-sandbox', 'smtp-sink'];
  const waves = startWaves(buildGraph(arch.agents.map((a) => [a.name, a.depends_on])));
  const started = Date.now();
  for (const services of [infra, ...waves, ['nginx']]) {
    options.log(`docker: starting ${services.join(', ')}`);
    const code = await run([...base, 'up', '-d', '--wait', ...services], options);
    if (code !== 0) {
      options.log(`docker: ${services.join(', ')} did not become healthy; see: ${base.join(' ')} logs`);
      return code;
    }
  }
  options.log(`All services healthy in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  await run([...base, 'ps'], options);
  options.log(`Gateway through nginx: http://localhost/   Stop: ${base.join(' ')} down`);
  return 0;
}

export async function dockerDown(options: DockerOptions): Promise<number> {
  const compose = composeCommand();
  if (!compose) return 1;
  return run([...compose, '-f', COMPOSE_FILE, 'down'], options);
}
