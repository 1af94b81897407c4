import type { NewAgentPlan } from './new-agent-plan.js';

/** Version ranges the new package shares with the workspace (read from its package.json files). */
export interface TemplateVersions {
  readonly zod: string;
  readonly typescript: string;
  readonly vitest: string;
  readonly typesNode: string;
}

/** `user_get` → `userGet`: a dependency's key in `ctx.deps`. */
function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** A single-quoted TypeScript string literal (the repository's style). */
function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function packageJson(plan: NewAgentPlan, versions: TemplateVersions): string {
  return json({
    name: plan.name.packageName,
    version: '0.1.0',
    private: true,
    description: plan.description,
    type: 'module',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    // meshctl finds agents through this field: `agent` is the side-effect-free declaration that
    // `meshctl check` imports, `main` the entry point that `meshctl up`/`start` runs.
    mesh: { agent: './dist/agent.js', main: './dist/main.js' },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      start: 'node dist/main.js',
    },
    dependencies: {
      '@mesh/common': 'workspace:*',
      '@mesh/contracts': 'workspace:*',
      '@mesh/runtime': 'workspace:*',
      zod: versions.zod,
    },
    devDependencies: {
      '@mesh/testkit': 'workspace:*',
      '@types/node': versions.typesNode,
      typescript: versions.typescript,
      vitest: versions.vitest,
    },
  });
}

const TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
`;

/** The build leaves tests and test helpers out of dist (they are not turbo build inputs either). */
const TSCONFIG_BUILD = `{
  "extends": "./tsconfig.json",
  "exclude": ["src/**/*.test.ts", "src/**/test-*.ts"]
}
`;

function agentTs(plan: NewAgentPlan): string {
  const { name, capability } = plan;
  const deps = plan.dependencies.map(
    (d) => `    ${camel(d.capability)}: { capability: '${d.capability}', timeoutMs: 2_000 },`,
  );
  const seen = plan.dependencies.map(
    (d) => `      ${d.capability}: ctx.deps.${camel(d.capability)}.available,`,
  );
  const firstDep = plan.dependencies[0];
  const callHint =
    firstDep === undefined
      ? `    // Call another agent: declare \`dependencies: { key: { capability: 'x' } }\` above, then
    // \`await ctx.deps.key.call({ ... })\` here (docs/adding-an-agent.md).`
      : `    // Call a dependency: \`await ctx.deps.${camel(firstDep.capability)}.call({ ... })\` with its tool's arguments;
    // while no provider is up, \`available\` is false and a call fails with DEPENDENCY_UNAVAILABLE.`;
  return `import { defineAgent, z } from '@mesh/runtime';

/** What services.ts builds and handlers receive as \`ctx.app\`. */
export interface ${name.pascal}Services {
  /** The word ${capability} greets with (${name.snake.toUpperCase()}_GREETING). */
  readonly greeting: string;
}

/** ${name.agent}'s declaration. Importing it connects to nothing (meshctl check reads it); main.ts runs it. */
export const agent = defineAgent<${name.pascal}Services>({
  name: '${name.agent}',
  version: '1.0.0',
  description: ${quote(plan.description)},
});

agent.tool({
  name: '${capability}',
  capability: '${capability}',
  description: 'Greets the caller by name, and says which of its dependencies it can reach right now.',
  tags: ['${name.snake}'],
  // Answering twice changes nothing, so callers may retry it on a transport failure.
  idempotent: true,
  input: z.object({ name: z.string().min(1).max(100) }),
  output: z.object({ message: z.string(), dependencies: z.record(z.string(), z.boolean()) }),
  dependencies: {${deps.length > 0 ? `\n${deps.join('\n')}\n  ` : ''}},
  handler: ({ name }, ctx) => ({
    message: \`\${ctx.app.greeting}, \${name}, from ${name.agent}\`,
${callHint}
    dependencies: {${seen.length > 0 ? `\n${seen.join('\n')}\n    ` : ''}},
  }),
});
`;
}

function configTs(plan: NewAgentPlan): string {
  const { name } = plan;
  const variable = `${name.snake.toUpperCase()}_GREETING`;
  return `import { parseEnvConfig, type Env } from '@mesh/common';
import { meshEnvSchema, toMeshConfig, z, type MeshConfig } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  /** The word ${plan.capability} greets with. */
  ${variable}: z.string().min(1).max(40).default('Hello'),
});

export type ${name.pascal}Env = z.output<typeof schema>;

/** ${name.agent}'s settings, parsed once at startup. */
export interface ${name.pascal}Config {
  readonly env: ${name.pascal}Env;
  readonly mesh: Partial<MeshConfig>;
  readonly greeting: string;
}

/** Reads the environment (the mesh's MCP_MESH_* variables and this agent's own); throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): ${name.pascal}Config {
  const parsed = parseEnvConfig(schema, env, '${name.agent}');
  return Object.freeze({ env: parsed, mesh: toMeshConfig(parsed), greeting: parsed.${variable} });
}
`;
}

function servicesTs(plan: NewAgentPlan): string {
  const { name } = plan;
  return `import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type { ${name.pascal}Services } from './agent.js';
import type { ${name.pascal}Config } from './config.js';

/**
 * ${name.agent}'s services for runAgentMain: open pools, clients and caches here, hand them to the handlers
 * in \`app\`, and close them in \`close\` (it runs after the agent has deregistered and drained).
 */
export function buildServices(config: ${name.pascal}Config, logger: Logger): AgentServices<${name.pascal}Services> {
  logger.info({ greeting: config.greeting }, '${name.agent} services ready');
  return { app: { greeting: config.greeting } };
}
`;
}

const MAIN_TS = `import { runAgentMain } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildServices } from './services.js';

// Start-up, signals and shutdown are the runtime's (runAgentMain); this agent's own part is services.ts.
await runAgentMain({ agent, loadConfig, build: buildServices });
`;

const INDEX_TS = `/** Public API of the package: the declaration (for tests and tools) and the configuration. */
export { agent } from './agent.js';
export { loadConfig } from './config.js';
`;

function agentTestTs(plan: NewAgentPlan): string {
  const { name, capability } = plan;
  const variable = `${name.snake.toUpperCase()}_GREETING`;
  const unavailable = plan.dependencies.map((d) => `${d.capability}: false`).join(', ');
  return `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { startAlone, type RunningAgent } from '@mesh/runtime';
import { callTool } from '@mesh/testkit';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildServices } from './services.js';

describe('${name.agent}', () => {
  let running: RunningAgent;

  beforeAll(async () => {
    const config = loadConfig({ ${variable}: 'Hi' });
    // No registry: the agent serves alone on a free port, and its dependencies stay unavailable.
    running = await startAlone(agent, buildServices(config, silentLogger()), config.mesh);
  });

  afterAll(() => running?.stop());

  it('greets the caller by name and says which dependencies it reaches', async () => {
    // callTool: one MCP tools/call over HTTP, as any client sends it.
    const reply = await callTool(running.url, '${capability}', { name: 'Ada' });
    expect(reply.result?.isError).toBeFalsy();
    expect(reply.result?.structuredContent).toEqual({
      message: 'Hi, Ada, from ${name.agent}',
      dependencies: {${unavailable === '' ? '' : ` ${unavailable} `}},
    });
  });

  it('refuses an empty name before the handler runs (invalid params)', async () => {
    const reply = await callTool(running.url, '${capability}', { name: '' });
    expect(reply.error?.code).toBe(-32602);
  });

  it('declares what architecture.yml says it provides and calls', () => {
    const manifest = agent.manifest();
    expect(manifest.tools.map((tool) => tool.capability)).toEqual(['${capability}']);
    expect(manifest.tools[0]?.dependencies.map((dependency) => dependency.capability)).toEqual([${plan.dependencies.map((d) => `'${d.capability}'`).join(', ')}]);
  });
});
`;
}

function readme(plan: NewAgentPlan): string {
  const { name, capability } = plan;
  const calls =
    plan.dependencies.length === 0
      ? 'It calls no other agent yet.'
      : `It may call ${plan.dependencies.map((d) => `\`${d.capability}\` (${d.providers.join(', ')})`).join(', ')}.`;
  return `# ${name.agent}

${plan.description}

Tier \`${plan.tier}\`, ${plan.replicas} replica${plan.replicas === 1 ? '' : 's'} (architecture.yml). ${calls}

| Tool (capability) | Input | Output |
| --- | --- | --- |
| \`${capability}\` | \`{ name }\` | \`{ message, dependencies }\`: the greeting, and whether each dependency has a provider now |

| Variable | Default | What for |
| --- | --- | --- |
| \`${name.snake.toUpperCase()}_GREETING\` | \`Hello\` | the word \`${capability}\` greets with |
| \`MCP_MESH_*\` | | the mesh's settings (@mesh/runtime's README) |

\`\`\`sh
pnpm build && bin/meshctl check && ./scripts/start-multi-agent.sh
bin/meshctl call ${capability} '{"name":"Ada"}'
pnpm exec vitest run ${plan.name.packageDir}
\`\`\`

Layout: \`src/agent.ts\` declares the tools, \`src/config.ts\` reads the environment, \`src/services.ts\` builds
what the handlers use, \`src/main.ts\` runs it all (the same one call in every agent). How to grow it:
docs/adding-an-agent.md.
`;
}

/** The new package's files, by path relative to its directory. */
export function agentPackageFiles(plan: NewAgentPlan, versions: TemplateVersions): Map<string, string> {
  return new Map([
    ['package.json', packageJson(plan, versions)],
    ['tsconfig.json', TSCONFIG],
    ['tsconfig.build.json', TSCONFIG_BUILD],
    ['README.md', readme(plan)],
    ['src/agent.ts', agentTs(plan)],
    ['src/config.ts', configTs(plan)],
    ['src/services.ts', servicesTs(plan)],
    ['src/main.ts', MAIN_TS],
    ['src/index.ts', INDEX_TS],
    ['src/agent.test.ts', agentTestTs(plan)],
  ]);
}
