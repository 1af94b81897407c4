import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectionOptions } from 'node:tls';
import { loadArchitecture } from '../architecture/load.js';
import { applyProfile } from '../architecture/profiles.js';
import type { Architecture } from '../architecture/load.js';
import { loadConfig } from '../config.js';
import { readEnvFile } from '../env-file.js';
import { stopWaves } from '../local/down.js';
import { liveProcesses, meshHome, readState } from '../local/state.js';
import { RegistryClient } from '../registry-client.js';
import { operatorTls } from '../tls/local-tls.js';
import { cpuProfileFlags } from '../local/cpu-profile-flags.js';
import type { CommandContext } from './command.js';
import type { CliValues } from './options.js';

/** The directory holding architecture.yml: --root, else the nearest one up from here, else this checkout. */
function findRoot(explicit: string | undefined): string {
  if (explicit) return resolve(explicit);
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'architecture.yml'))) return dir;
    if (dirname(dir) === dir) break;
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
}

/**
 * The profile to apply: --profile, else MESH_PROFILE, else the running mesh's (a state whose processes are all
 * gone says nothing: the next `up` starts what it is told).
 */
function profileOf(values: CliValues, fromEnv: string | undefined, home: string): string | undefined {
  if (values.profile !== undefined) return values.profile;
  if (fromEnv !== undefined) return fromEnv;
  const state = readState(home);
  if (state?.mode === 'docker') return state.profile;
  return liveProcesses(state).length > 0 ? state?.profile : undefined;
}

/** Builds what commands share; nothing here touches the network until a command asks for the registry. */
export function createContext(
  args: readonly string[],
  values: CliValues,
  print: (line: string) => void,
): CommandContext {
  const config = loadConfig();
  const root = findRoot(values.root);
  const archFile = resolve(root, values.file ?? 'architecture.yml');
  const home = config.MESH_HOME ?? meshHome(root, {});
  const env = { ...process.env, ...(values['env-file'] ? readEnvFile(values['env-file']) : {}) };
  let tls: { value: ConnectionOptions | undefined } | undefined;
  let registry: RegistryClient | undefined;
  let declared: Architecture | undefined;
  let architecture: Architecture | undefined;
  const context: CommandContext = {
    args,
    values,
    config,
    root,
    archFile,
    home,
    env,
    declaredArch() {
      declared ??= loadArchitecture(archFile, archFile.replace(`${root}/`, ''));
      return declared;
    },
    arch() {
      architecture ??= applyProfile(context.declaredArch(), profileOf(values, config.MESH_PROFILE, home));
      return architecture;
    },
    operatorTls() {
      tls ??= { value: operatorTls(home, env) };
      return tls.value;
    },
    registry() {
      if (registry === undefined) {
        const url =
          values['registry-url'] ??
          config.MCP_MESH_REGISTRY_URL ??
          readState(home)?.registryUrl ??
          'http://localhost:8000';
        registry = new RegistryClient(
          url,
          3000,
          url.startsWith('https:') ? context.operatorTls() : undefined,
        );
      }
      return registry;
    },
    stopWaves() {
      try {
        return stopWaves(context.arch().agents);
      } catch {
        return undefined;
      }
    },
    localOptions() {
      return {
        root,
        home,
        env,
        portOffset: config.MESH_PORT_OFFSET,
        databasePrefix: config.MESH_DATABASE_PREFIX,
        nodeFlags: cpuProfileFlags(config.MESH_CPU_PROFILE_DIR),
        timeoutMs: config.DEPENDENCY_TIMEOUT,
        log: print,
      };
    },
    dockerOptions() {
      return { root, home, env, log: print };
    },
    print,
  };
  return context;
}
