import { z } from 'zod';
import { envDurationMs, envInt, parseEnvConfig, type Env } from '@mesh/common';

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
  /** `local` forces local processes even where a Docker engine answers. */
  MESH_MODE: z.enum(['auto', 'local', 'docker']).default('auto'),
});

export type MeshctlConfig = Readonly<z.output<typeof schema>>;

/** meshctl's own settings from the environment; invalid values stop it with every problem listed. */
export function loadConfig(env: Env = process.env): MeshctlConfig {
  return parseEnvConfig(schema, env, 'meshctl');
}
