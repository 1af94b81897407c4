import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Architecture } from '../architecture/load.js';
import type { MeshState } from '../local/state.js';
import { dockerState } from './docker-state.js';
import { publishedPorts } from './published-ports.js';

/** How the fake `docker` and `docker-compose` on PATH answer. */
export interface FakeDockerSpec {
  /** Exit code of `docker info` (0: an engine answers). */
  info?: number;
  /** What `docker compose version` prints; undefined: no plugin (the client says unknown command). */
  composePlugin?: string;
  /** What `docker-compose version` prints; undefined: not installed. */
  legacyCompose?: string;
  /** What `compose config --services` prints. */
  services?: readonly string[];
  /** What `compose ps` prints (JSON). */
  ps?: string;
  /** `compose up` fails for a wave naming this service. */
  upFailsFor?: string;
  /** What `compose logs` prints. */
  logs?: string;
}

/** A repository root with compose files and fake Docker executables recording every call. */
export interface FakeDocker {
  readonly root: string;
  /** The environment to run meshctl's Docker code with: the fakes first on PATH. */
  readonly env: NodeJS.ProcessEnv;
  /** Every call, one line each: `docker compose -p agent-mesh -f … up …`. */
  calls(): string[];
  /** The MESH_* and COMPOSE_* variables the last `compose up` saw. */
  upEnv(): Record<string, string>;
  remove(): void;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

function composeBody(spec: FakeDockerSpec, versionText: string, dir: string): string {
  return `
case " $* " in
  *" version "*) echo ${quote(versionText)}; exit 0 ;;
  *" config "*) cat ${quote(join(dir, 'services.txt'))}; exit 0 ;;
  *" ps "*) cat ${quote(join(dir, 'ps.json'))}; exit 0 ;;
  *" logs "*) cat ${quote(join(dir, 'logs.txt'))}; exit 0 ;;
  *" up "*)
    env | grep -E '^(MESH|COMPOSE)_' > ${quote(join(dir, 'up-env.txt'))}
    ${spec.upFailsFor ? `case " $* " in *" ${spec.upFailsFor} "*) echo "dependency failed to start" >&2; exit 1 ;; esac` : ''}
    exit 0 ;;
  *) exit 0 ;;
esac`;
}

/**
 * Writes fake `docker` (info, compose, cp, kill, start, inspect) and `docker-compose` executables into a
 * fresh directory; each appends its argv to a log, so tests see exactly what meshctl ran.
 */
export function fakeDocker(spec: FakeDockerSpec): FakeDocker {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-fake-docker-'));
  const root = join(dir, 'repo');
  const bin = join(dir, 'bin');
  mkdirSync(join(root, 'deploy'), { recursive: true });
  mkdirSync(bin);
  for (const file of [
    'docker-compose.yml',
    'docker-compose.event-driven.yml',
    'docker-compose.monitoring.yml',
  ])
    writeFileSync(join(root, 'deploy', file), 'services: {}\n');
  writeFileSync(join(dir, 'services.txt'), `${(spec.services ?? []).join('\n')}\n`);
  writeFileSync(join(dir, 'ps.json'), spec.ps ?? '');
  writeFileSync(join(dir, 'logs.txt'), spec.logs ?? '');
  const log = join(dir, 'calls.log');
  const record = `printf '%s\\n' "$(basename "$0") $*" >> ${quote(log)}`;
  const docker = [
    '#!/bin/sh',
    record,
    `[ "$1" = info ] && exit ${spec.info ?? 0}`,
    'if [ "$1" = compose ]; then',
    spec.composePlugin === undefined
      ? '  echo "docker: unknown command: docker compose" >&2; exit 1'
      : composeBody(spec, spec.composePlugin, dir),
    'fi',
    // docker cp CONTAINER:SRC DEST writes a placeholder, so copies can be checked.
    'if [ "$1" = cp ]; then mkdir -p "$(dirname "$3")"; echo "copied from $2" > "$3"; exit 0; fi',
    // kill/start flip what inspect says about .State.Running; a healthcheck always passes.
    `if [ "$1" = kill ]; then echo false > ${quote(dir)}/"running-$2"; exit 0; fi`,
    `if [ "$1" = start ]; then echo true > ${quote(dir)}/"running-$2"; exit 0; fi`,
    'if [ "$1" = inspect ]; then',
    '  for id; do :; done',
    `  case "$3" in *Running*) cat ${quote(dir)}/"running-$id" 2>/dev/null || echo true ;; *) echo healthy ;; esac`,
    '  exit 0',
    'fi',
    'exit 0',
  ];
  writeFileSync(join(bin, 'docker'), `${docker.join('\n')}\n`);
  chmodSync(join(bin, 'docker'), 0o755);
  // Compose v1 as Debian ships it: unknown flags such as --wait print the usage and exit 0. When absent,
  // a stand-in that fails as a missing command would, so a real one further down PATH never answers.
  const legacy =
    spec.legacyCompose === undefined
      ? ['#!/bin/sh', 'echo "docker-compose: not found" >&2', 'exit 127']
      : ['#!/bin/sh', record, composeBody(spec, spec.legacyCompose, dir)];
  writeFileSync(join(bin, 'docker-compose'), `${legacy.join('\n')}\n`);
  chmodSync(join(bin, 'docker-compose'), 0o755);
  return {
    root,
    // The fakes shadow any real docker and docker-compose.
    env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, COMPOSE_PROJECT_NAME: '' },
    calls: () => {
      try {
        return readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line !== '');
      } catch {
        return [];
      }
    },
    upEnv: () => {
      try {
        const lines = readFileSync(join(dir, 'up-env.txt'), 'utf8')
          .split('\n')
          .filter((l) => l !== '');
        return Object.fromEntries(
          lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        );
      } catch {
        return {};
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What a recorded Docker start says: its compose project, layers and the port offset of its published ports. */
export interface RecordedStart {
  readonly project: string;
  readonly layers: readonly string[];
  readonly portOffset: number;
}

/**
 * A fresh mesh home and the state a Docker start of `arch` on `fake`'s repository would record (not written);
 * the home and the fake are removed by `cleanups`.
 */
export function recordedDockerStart(
  fake: FakeDocker,
  arch: Architecture,
  start: RecordedStart,
  cleanups: (() => void)[],
): { home: string; state: MeshState } {
  const home = mkdtempSync(join(tmpdir(), 'meshctl-docker-home-'));
  cleanups.push(
    () => fake.remove(),
    () => rmSync(home, { recursive: true, force: true }),
  );
  const files = [
    'deploy/docker-compose.yml',
    ...start.layers.map((layer) => `deploy/docker-compose.${layer}.yml`),
  ];
  const record = {
    command: ['docker', 'compose'],
    project: start.project,
    files,
    layers: [...start.layers],
    publishHost: '127.0.0.1',
    ports: publishedPorts(arch, start.portOffset),
  };
  return { home, state: dockerState(fake.root, home, record, 'mesh.local') };
}
