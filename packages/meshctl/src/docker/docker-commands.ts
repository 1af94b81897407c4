import { rmSync } from 'node:fs';
import { statePath, type MeshState } from '../local/state.js';
import { containerOk, formatContainers, parseComposePs, type ComposeContainer } from './compose-ps.js';
import { runCompose } from './compose-run.js';
import { composeRecordOf, dockerTlsDir } from './docker-state.js';
import { formatLogLine } from '../commands/log-format.js';

/** What the commands on a Docker mesh need besides its state. */
export interface DockerCommandOptions {
  readonly root: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

/**
 * `down` of a Docker mesh: `compose down` on the recorded project and files (containers, networks; volumes
 * only with `volumes`, so data survives a restart as a local mesh's .mesh/postgres does), then the state and
 * meshctl's copy of the operator certificate go. On failure the state stays, so the stop can be retried.
 */
export async function dockerDown(
  state: MeshState,
  options: DockerCommandOptions & { volumes: boolean },
): Promise<number> {
  const record = composeRecordOf(state);
  options.log(
    `docker: stopping compose project ${record.project}` +
      (options.volumes ? ', removing its volumes' : ' (volumes kept; --volumes removes them)'),
  );
  const args = ['down', '--remove-orphans', ...(options.volumes ? ['--volumes'] : [])];
  const down = await runCompose(record, args, options);
  if (down.code !== 0) {
    options.log(`docker: down failed (exit code ${down.code}); ${statePath(options.home)} stays for a retry`);
    return down.code;
  }
  rmSync(statePath(options.home), { force: true });
  rmSync(dockerTlsDir(options.home), { recursive: true, force: true });
  return 0;
}

/** `stop <service…>` of a Docker mesh: `compose stop` of those services; without names the whole `down`. */
export async function dockerStop(
  state: MeshState,
  names: readonly string[],
  options: DockerCommandOptions,
): Promise<number> {
  if (names.length === 0) return dockerDown(state, { ...options, volumes: false });
  return (await runCompose(composeRecordOf(state), ['stop', ...names], options)).code;
}

/**
 * `restart <service>` of a Docker mesh: `compose start` of its stopped or killed containers, then a bounded
 * wait for their healthchecks. Not `up`: that would re-read the files and the environment and could recreate
 * (or try to build) a container with settings other than the ones the mesh was started with.
 */
export async function dockerRestart(
  state: MeshState,
  name: string,
  options: DockerCommandOptions,
): Promise<number> {
  const args = ['start', '--wait', '--wait-timeout', String(RESTART_WAIT_SECONDS), name];
  const start = await runCompose(composeRecordOf(state), args, options);
  if (start.code === 0) options.log(`${name} ready again`);
  return start.code;
}

/** How long `restart` waits for a container's healthcheck (it starts cold, as in a start's wave). */
const RESTART_WAIT_SECONDS = 120;

/** A `compose logs` line (`order-agent-1  | {json}`) with its JSON part pretty-printed. */
function prettyComposeLine(line: string): string {
  const at = line.indexOf(' | ');
  return at < 0 ? formatLogLine(line) : `${line.slice(0, at)} | ${formatLogLine(line.slice(at + 3))}`;
}

/**
 * `logs <service>` of a Docker mesh: the last lines of each of its containers, pretty-printed unless `json`;
 * followed, compose streams them as they are.
 */
export async function dockerLogs(
  state: MeshState,
  name: string,
  lines: number,
  follow: boolean,
  options: DockerCommandOptions & { readonly json?: boolean },
): Promise<number> {
  const args = ['logs', '--tail', String(lines), ...(follow ? ['--follow'] : []), name];
  const record = composeRecordOf(state);
  if (follow || options.json === true) return (await runCompose(record, args, options)).code;
  const run = await runCompose(record, args, { ...options, capture: true });
  for (const line of run.stdout.split('\n')) if (line !== '') options.log(prettyComposeLine(line));
  if (run.stderr.trim() !== '') process.stderr.write(run.stderr);
  return run.code;
}

/** Every container of the project (stopped ones too), from `compose ps --all --format json`. */
export async function dockerContainers(
  state: MeshState,
  options: DockerCommandOptions,
): Promise<ComposeContainer[]> {
  const ps = await runCompose(composeRecordOf(state), ['ps', '--all', '--format', 'json'], {
    ...options,
    capture: true,
  });
  if (ps.code !== 0) throw new Error(`compose ps failed (exit code ${ps.code}): ${ps.stderr.trim()}`);
  return parseComposePs(ps.stdout);
}

/** The container part of `status`: the table and whether every container is as it should be. */
export function describeContainers(
  project: string,
  containers: readonly ComposeContainer[],
): { ok: boolean; text: string } {
  const good = containers.filter(containerOk).length;
  const ok = containers.length > 0 && good === containers.length;
  return {
    ok,
    text: `Containers of compose project ${project} (${good}/${containers.length} as expected):\n${formatContainers(containers)}`,
  };
}
