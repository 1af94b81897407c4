import type { ConnectionOptions } from 'node:tls';
import type { Architecture } from '../architecture/load.js';
import type { MeshctlConfig } from '../config.js';
import type { DockerCommandOptions } from '../docker/docker-commands.js';
import type { UpOptions } from '../local/up.js';
import type { RegistryClient } from '../registry-client.js';
import type { CliValues } from './options.js';

/** What every command gets: its arguments, the options, and the mesh it talks to (made on first use). */
export interface CommandContext {
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  readonly values: CliValues;
  readonly config: MeshctlConfig;
  /** The repository root (where architecture.yml is). */
  readonly root: string;
  readonly archFile: string;
  /** MESH_HOME: logs, pids, state and certificates. */
  readonly home: string;
  /** The environment with --env-file's variables on top. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * architecture.yml with the profile applied: --profile, else MESH_PROFILE, else the one the running mesh was
   * started with (its state file).
   */
  arch(): Architecture;
  /** architecture.yml as written, no profile applied (what `check` compares the code and deploy files with). */
  declaredArch(): Architecture;
  /** The registry client (--registry-url, MCP_MESH_REGISTRY_URL, the running mesh's, or localhost:8000). */
  registry(): RegistryClient;
  /** meshctl's operator certificate for a strict mesh; undefined for a plain one. */
  operatorTls(): ConnectionOptions | undefined;
  /** Consumers before providers (the stop order); undefined when architecture.yml cannot be read. */
  stopWaves(): string[][] | undefined;
  /** What the local process commands (up, start, restart) need. */
  localOptions(): Omit<UpOptions, 'agents'>;
  dockerOptions(): DockerCommandOptions;
  print(line: string): void;
}

/** One line of help: a synopsis and what it does. */
export interface HelpEntry {
  /** The synopsis after `meshctl`, e.g. `call <tool> '<json>' [--proxy] [--json]`. */
  readonly usage: string;
  /** What it does, a line or a few. */
  readonly summary: string;
}

/** One entry of the command table: its help and its handler. */
export interface Command {
  /** The first word after `meshctl`; a group (`tls init`, `tls edge`) reads the next one from its arguments. */
  readonly name: string;
  /** One entry, or one per subcommand of a group. */
  readonly help: readonly HelpEntry[];
  /** The exit code. Errors thrown are printed as `meshctl: CODE: message` with exit code 1. */
  run(context: CommandContext): Promise<number>;
}
