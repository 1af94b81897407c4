import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { envDurationMs, envInt, parseEnvConfig, type Env } from '@mesh/common';
import { DEFAULT_PROJECT_NAME } from './docker/compose-project.js';
import { DEFAULT_PUBLISH_HOST } from './docker/published-ports.js';

const schema = z.object({
  MCP_MESH_REGISTRY_URL: z.string().url().optional(),
  /** How long each start step may take to become ready (the seed's DEPENDENCY_TIMEOUT). */
  DEPENDENCY_TIMEOUT: envDurationMs('30s'),
  /** Grace period between SIGTERM and SIGKILL on stop. */
  MESH_STOP_GRACE: envDurationMs('10s'),
  /** Logs, pids and data; default <root>/.mesh. */
  MESH_HOME: z.string().optional(),
  /** Added to every fixed port (registry, gateway, Postgres, sandboxes) to run a second system beside the first. */
  MESH_PORT_OFFSET: envInt(0, 0, 50_000),
  /**
   * Put in front of every database name the start creates and hands to agents (auth_db -> PREFIXauth_db), so
   * several systems (e.g. test runs) can share one PostgreSQL server without seeing each other's data.
   */
  MESH_DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,29}$/, 'lowercase letters, digits and _ only, at most 30 characters')
    .default(''),
  /**
   * `local` forces local processes even where a Docker engine answers; `docker` forces Docker (an error when
   * no engine answers or Compose v2 is missing); `auto` uses Docker when it can.
   */
  MESH_MODE: z.enum(['auto', 'local', 'docker']).default('auto'),
  /** Docker: the compose project every command addresses (start, stop, status, the smoke script). */
  COMPOSE_PROJECT_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _, starting with a letter or digit')
    .default(DEFAULT_PROJECT_NAME),
  /**
   * The architecture.yml profile to start (`up --profile` wins); once a mesh runs, its state file says which
   * profile it runs, so restart, status and dev need neither.
   */
  MESH_PROFILE: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'expected a profile name such as microservices')
    .optional(),
  /** Docker: compose layers on top of the base file, comma-separated (`event-driven,monitoring`). */
  MESH_COMPOSE_LAYERS: z.string().default(''),
  /** Docker: services of the compose files not to start, comma-separated (`grafana,jaeger`). */
  MESH_COMPOSE_SKIP: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  /**
   * A Prometheus that scrapes the mesh, for `meshctl ui`'s edge rates (`--prometheus` wins); unset, a Docker
   * mesh's rates come from the monitoring layer's Prometheus and a local mesh's from its replicas.
   */
  MESH_PROMETHEUS_URL: z.string().url().optional(),
  /**
   * Local: every Node process the start runs (registry, infrastructure, agents, restarts) writes a V8 CPU
   * profile into this directory when it exits (`node --cpu-prof`), for `scripts/cpu-profile-top.mjs`.
   * Absolute, so a restart from another directory writes to the same place.
   */
  MESH_CPU_PROFILE_DIR: z
    .string()
    .refine((dir) => isAbsolute(dir), 'expected an absolute directory path')
    .optional(),
  /** Docker: the host address published ports bind to; loopback unless set (0.0.0.0 opens them up). */
  MESH_PUBLISH_HOST: z.union([z.ipv4(), z.ipv6()]).default(DEFAULT_PUBLISH_HOST),
});

export type MeshctlConfig = Readonly<z.output<typeof schema>>;

/** meshctl's own settings from the environment; invalid values stop it with every problem listed. */
export function loadConfig(env: Env = process.env): MeshctlConfig {
  return parseEnvConfig(schema, env, 'meshctl');
}
