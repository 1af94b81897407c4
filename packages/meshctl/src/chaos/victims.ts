import { MeshError } from '@mesh/common';
import { restartAgent } from '../commands/local-commands.js';
import { runCommand } from '../docker/compose-run.js';
import { dockerContainers } from '../docker/docker-commands.js';
import { isAlive, readState, type MeshState } from '../local/state.js';

/** One agent replica the chaos test kills (SIGKILL, no goodbye) and later brings back. */
export interface Victim {
  /** For the log: `user-agent #2 (pid 4242)`, `user-agent (container agent-mesh-user-agent-2)`. */
  readonly label: string;
  /** Kills it and resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again and resolves once it is ready. */
  restart(): Promise<void>;
}

export interface VictimOptions {
  readonly home: string;
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly victims: readonly string[];
  readonly random: () => number;
  readonly log: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 100 ms until it holds or `ms` pass; false on timeout. */
async function until(done: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(100);
  }
  return done();
}

function pick<T>(candidates: readonly T[], options: VictimOptions): T {
  if (candidates.length === 0)
    throw new MeshError('NOT_FOUND', `no running replica of ${options.victims.join(', ')}`);
  return candidates[Math.floor(options.random() * candidates.length)]!;
}

/** A random running replica among the victims: a local process, or a container of a Docker mesh. */
export async function pickVictim(state: MeshState, options: VictimOptions): Promise<Victim> {
  return state.mode === 'docker' ? dockerVictim(state, options) : localVictim(state, options);
}

function localVictim(state: MeshState, options: VictimOptions): Victim {
  const victim = pick(
    state.processes.filter((p) => p.kind === 'agent' && options.victims.includes(p.name) && isAlive(p.pid)),
    options,
  );
  return {
    label: `${victim.name} #${victim.replica} (pid ${victim.pid})`,
    async kill() {
      process.kill(victim.pid, 'SIGKILL');
      if (!(await until(() => !isAlive(victim.pid), 5000)))
        throw new MeshError('INTERNAL', `pid ${victim.pid} survived SIGKILL`);
    },
    async restart() {
      const { DEPENDENCY_TIMEOUT: _ignored, ...env } = options.env;
      await restartAgent(
        { home: options.home, root: options.root, env, timeoutMs: 30_000, log: options.log },
        victim.name,
        victim.replica,
      );
      const back = readState(options.home)?.processes.find(
        (p) => p.name === victim.name && p.replica === victim.replica,
      );
      if (!back || back.pid === victim.pid || !isAlive(back.pid))
        throw new MeshError('INTERNAL', `${victim.name} #${victim.replica} did not come back`);
    },
  };
}

/** One field of `docker inspect` (a Go template), '' when docker cannot say. */
async function inspect(id: string, template: string, options: VictimOptions): Promise<string> {
  const run = await runCommand(['docker', 'inspect', '--format', template, id], {
    root: options.root,
    env: options.env,
    capture: true,
  });
  return run.code === 0 ? run.stdout.trim() : '';
}

const running = async (id: string, options: VictimOptions): Promise<boolean> =>
  (await inspect(id, '{{.State.Running}}', options)) === 'true';
/** Running and healthy (or running, for a container without a healthcheck). */
const healthy = async (id: string, options: VictimOptions): Promise<boolean> =>
  (await running(id, options)) &&
  ['healthy', ''].includes(await inspect(id, '{{if .State.Health}}{{.State.Health.Status}}{{end}}', options));

async function docker(args: readonly string[], options: VictimOptions): Promise<void> {
  const run = await runCommand(['docker', ...args], { root: options.root, env: options.env, capture: true });
  if (run.code !== 0)
    throw new MeshError(
      'INTERNAL',
      `docker ${args.join(' ')} failed: ${run.stderr.trim() || `exit code ${run.code}`}`,
    );
}

/**
 * A container of a Docker mesh: `docker kill` (SIGKILL; Docker's restart policy leaves a killed container
 * alone), later `docker start` of the same container and a bounded wait for its healthcheck to pass.
 */
async function dockerVictim(state: MeshState, options: VictimOptions): Promise<Victim> {
  const containers = await dockerContainers(state, { ...options, log: () => undefined });
  const victim = pick(
    containers.filter((c) => options.victims.includes(c.service) && c.state === 'running'),
    options,
  );
  return {
    label: `${victim.service} (container ${victim.name})`,
    async kill() {
      await docker(['kill', victim.id], options);
      if (!(await until(async () => !(await running(victim.id, options)), 5000)))
        throw new MeshError('INTERNAL', `container ${victim.name} survived docker kill`);
    },
    async restart() {
      await docker(['start', victim.id], options);
      if (!(await until(() => healthy(victim.id, options), 60_000)))
        throw new MeshError(
          'INTERNAL',
          `${victim.service} (container ${victim.name}) did not become healthy again`,
        );
      options.log(`${victim.service} (container ${victim.name}) healthy again`);
    },
  };
}
