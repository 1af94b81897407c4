import { z } from 'zod';

const NAME = /^[a-z][a-z0-9-]*$/;
const CAPABILITY = /^[a-z][a-z0-9_]*$/;

const nameSchema = z.string().regex(NAME, 'expected a lower-case name such as order-agent');
const envMapSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const portSchema = z.number().int().min(1).max(65_535);

/** One agent of the topology, as architecture.yml declares it. */
export const agentEntrySchema = z.strictObject({
  name: nameSchema,
  /** Package directory relative to the repo root; found by scanning agents/* when omitted. */
  package: z.string().min(1).optional(),
  description: z.string().optional(),
  provides: z.array(z.string().regex(CAPABILITY, 'expected a capability name such as user_get')).default([]),
  depends_on: z.array(nameSchema).default([]),
  /**
   * Capabilities only some callers may use besides the operator (`payment_refund: [order-agent]`); an empty
   * list makes one operator-only. Every other capability serves the agents that depend on this one.
   */
  restricted: z
    .record(z.string().regex(CAPABILITY, 'expected a capability name such as user_get'), z.array(nameSchema))
    .default({}),
  replicas: z.number().int().min(1).max(20).default(1),
  /** A fixed local port (the gateway's 8080); agents without one get a free port each. */
  port: portSchema.optional(),
  /** The database this agent's DATABASE_URL points at. */
  database: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  env: envMapSchema.default({}),
});

const readinessSchema = z.union([
  z.strictObject({ http: z.string().startsWith('/'), port: z.string().default('main') }),
  z.strictObject({ log_json: z.string().min(1) }),
  /**
   * A PostgreSQL server: ready once the JSON the command writes to `${ready_file}` names a URL under this key
   * and `SELECT 1` succeeds through it. Its `server_pid`, when present, is the pid tracked (the postmaster).
   */
  z.strictObject({ postgres: z.string().min(1) }),
]);

/** A backing service: started locally when its URL variable is unset, otherwise the real server is used. */
export const infrastructureEntrySchema = z.strictObject({
  name: nameSchema,
  description: z.string().optional(),
  /** The variable that points at a real server; when set, nothing is started. */
  url_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/),
  /** Node script (repo-relative) started when url_env is unset; absent means "an in-process fallback exists". */
  command: z.string().min(1).optional(),
  args: z.array(z.string()).default([]),
  ports: z.record(z.string(), portSchema).default({}),
  env: envMapSchema.default({}),
  ready: readinessSchema.optional(),
  /** Variables handed to every agent once this service runs; `${ports.x}`, `${json.key}`, `${dir}` expand. */
  exports: envMapSchema.default({}),
  /** Databases created on the server before any agent starts (Postgres only). */
  databases: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).default([]),
});

export const registryEntrySchema = z.strictObject({
  /** The registry package (its dist/main.js runs) or, for tests, a script via `command`. */
  package: z.string().min(1).default('packages/registry'),
  command: z.string().min(1).optional(),
  port: portSchema.default(8000),
  env: envMapSchema.default({}),
});

/** What a profile changes for one agent: how many replicas, and variables on top of its own `env`. */
export const profileAgentSchema = z.strictObject({
  replicas: z.number().int().min(1).max(20).optional(),
  env: envMapSchema.default({}),
});

/**
 * A named variant of the topology (`meshctl up --profile NAME`): per-agent overrides; agents it does not name
 * run as declared. Its compose counterpart, when there is one, is deploy/docker-compose.<NAME>.yml.
 */
export const profileSchema = z.strictObject({
  description: z.string().optional(),
  agents: z.record(nameSchema, profileAgentSchema).default({}),
});

/** The whole architecture.yml document. */
export const architectureSchema = z.strictObject({
  version: z.literal(1),
  /** Tier names from the bottom up: an agent may depend only on its own tier or tiers listed before it. */
  tier_order: z.array(nameSchema).min(1),
  registry: registryEntrySchema,
  infrastructure: z.array(infrastructureEntrySchema).default([]),
  agents: z.record(nameSchema, z.array(agentEntrySchema)),
  profiles: z.record(nameSchema, profileSchema).default({}),
});

export type AgentEntry = z.output<typeof agentEntrySchema>;
export type InfrastructureEntry = z.output<typeof infrastructureEntrySchema>;
export type RegistryEntry = z.output<typeof registryEntrySchema>;
export type ProfileEntry = z.output<typeof profileSchema>;
export type ArchitectureDocument = z.output<typeof architectureSchema>;
