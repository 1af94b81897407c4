import { spawnSync } from 'node:child_process';

/** A Compose release as `version` prints it. */
export interface ComposeVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** As printed, e.g. `v2.29.7` or `1.29.2`. */
  readonly text: string;
}

/** A Compose CLI meshctl can drive: the argv that runs it and its version. */
export interface ComposeCli {
  readonly command: readonly string[];
  readonly version: ComposeVersion;
}

/** What a search for Compose found: a usable CLI (v2 or later) or none, with what was seen instead. */
export interface ComposeSearch {
  readonly cli?: ComposeCli;
  /** Every Compose that answered, e.g. `docker-compose 1.29.2`, for the message when none is usable. */
  readonly found: readonly string[];
}

/** The oldest Compose with `up --wait` (healthcheck-gated starts); v1 prints its usage for it and exits 0. */
export const MIN_COMPOSE_MAJOR = 2;

/**
 * The version in the output of `docker compose version` (`Docker Compose version v2.29.7`), of
 * `docker-compose version` (`docker-compose version 1.29.2, build unknown`) or of `--short` (`2.29.7`).
 */
export function parseComposeVersion(output: string): ComposeVersion | undefined {
  const match = /(?:^|[\s,])(v?(\d+)\.(\d+)(?:\.(\d+))?[^\s,]*)/.exec(output);
  if (!match) return undefined;
  return {
    major: Number(match[2]),
    minor: Number(match[3]),
    patch: Number(match[4] ?? 0),
    text: match[1]!,
  };
}

/** Both spellings, the plugin first: `docker compose` (v2+) and `docker-compose` (v1, or a v2 standalone binary). */
const CANDIDATES: readonly (readonly string[])[] = [['docker', 'compose'], ['docker-compose']];

/** Asks each Compose for its version and returns the first of v2 or later. */
export function findCompose(env: NodeJS.ProcessEnv): ComposeSearch {
  const found: string[] = [];
  for (const command of CANDIDATES) {
    const [bin, ...args] = command as [string, ...string[]];
    const run = spawnSync(bin, [...args, 'version'], { env, encoding: 'utf8', timeout: 10_000 });
    if (run.status !== 0) continue;
    const version = parseComposeVersion(`${run.stdout}`);
    found.push(`${command.join(' ')} ${version?.text ?? '(version unreadable)'}`);
    if (version !== undefined && version.major >= MIN_COMPOSE_MAJOR)
      return { cli: { command, version }, found };
  }
  return { found };
}

/**
 * Why the Docker path cannot run without Compose v2, and how to get it: what was found, that v2 is needed
 * (v1 has no `up --wait`: it prints its usage and exits 0, so a start would report success with nothing
 * running), and how to install it. `then` says what happens instead.
 */
export function composeV2Needed(found: readonly string[], then: string): string {
  const seen = found.length > 0 ? `found ${found.join(' and ')}` : 'found no Compose at all';
  return [
    `The Docker path needs Docker Compose v${MIN_COMPOSE_MAJOR} or later (\`docker compose\`); ${seen}.`,
    '  Compose v1 has no `up --wait` (it prints its usage and exits 0), so it cannot gate the start on healthchecks.',
    "  Get v2: install the docker-compose-plugin package from Docker's apt repository, or put a Compose v2",
    '  binary at ~/.docker/cli-plugins/docker-compose; `docker compose version` must then answer v2 or later.',
    `  ${then}`,
  ].join('\n');
}
