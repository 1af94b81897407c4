import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { MeshError } from '@mesh/common';
import { parseArchitecture } from '../architecture/load.js';
import type { Architecture } from '../architecture/load.js';
import {
  addToComposeBase,
  addToComposeLayer,
  COMPOSE_BASE,
  COMPOSE_LAYERS,
} from '../deploy/compose-files.js';
import type { DeployAgent } from '../deploy/deploy-agent.js';
import { checkDeployFiles } from '../deploy/deploy-check.js';
import { addToHelmValues, HELM_VALUES } from '../deploy/helm-values.js';
import { addPrometheusJob, PROMETHEUS_CONFIG } from '../deploy/prometheus-scrape.js';
import { parseYamlSource, readYamlSource, type YamlSource } from '../deploy/yaml-source.js';
import { addToArchitecture } from './architecture-entry.js';
import { agentPackageFiles, type TemplateVersions } from './agent-template.js';
import { formatFiles } from './format-files.js';
import { deployAgentOf, planNewAgent, type NewAgentPlan } from './new-agent-plan.js';

/** The options `meshctl new agent` reads (the CLI's option table includes them). */
export const NEW_AGENT_OPTIONS = {
  tier: { type: 'string' },
  depends: { type: 'string' },
  replicas: { type: 'string' },
  description: { type: 'string' },
} as const;

export const NEW_AGENT_USAGE =
  'new agent <name> --tier <tier> [--depends cap,cap] [--replicas N] [--description D]';

export interface NewAgentValues {
  readonly tier?: string | undefined;
  readonly depends?: string | undefined;
  readonly replicas?: string | undefined;
  readonly description?: string | undefined;
}

export interface NewAgentCommandOptions {
  /** The repository root. */
  readonly root: string;
  /** architecture.yml's path. */
  readonly archFile: string;
  readonly log: (line: string) => void;
}

/** The workspace's version ranges, so the new package resolves to what the lockfile already holds. */
function templateVersions(root: string): TemplateVersions {
  const read = (path: string): Record<string, string> => {
    const file = join(root, path);
    if (!existsSync(file)) return {};
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    return { ...pkg.dependencies, ...pkg.devDependencies };
  };
  const rootPkg = read('package.json');
  const runtime = read('packages/runtime/package.json');
  return {
    zod: runtime['zod'] ?? '^4.1.0',
    typescript: rootPkg['typescript'] ?? '~5.9.3',
    vitest: rootPkg['vitest'] ?? '~4.1.0',
    typesNode: rootPkg['@types/node'] ?? '^20.19.0',
  };
}

/** Every deploy file that lists agents, with the new agent added (files that do not exist are left out). */
function deployEdits(root: string, arch: Architecture, agent: DeployAgent): Map<string, string> {
  const edits = new Map<string, string>();
  const edit = (path: string, add: (source: YamlSource) => string): void => {
    const source = readYamlSource(root, path);
    if (source === undefined) return;
    const text = add(source);
    if (text !== source.text) edits.set(path, text);
  };
  edit(COMPOSE_BASE, (source) => addToComposeBase(source, arch, agent));
  for (const layer of COMPOSE_LAYERS)
    edit(layer.path, (source) => addToComposeLayer(layer, source, arch, agent));
  edit(HELM_VALUES, (source) => addToHelmValues(source, arch, agent));
  edit(PROMETHEUS_CONFIG, (source) => addPrometheusJob(source, arch, agent));
  return edits;
}

function write(root: string, path: string, text: string): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function summary(plan: NewAgentPlan, edited: readonly string[]): string[] {
  const calls =
    plan.dependencies.length === 0
      ? 'calls no other agent'
      : `calls ${plan.dependencies.map((d) => `${d.capability} (${d.providers.join(', ')})`).join(', ')}`;
  return [
    `Created ${plan.name.packageDir} (${plan.name.packageName}): ${plan.name.agent}, tier ${plan.tier}, ` +
      `${plan.replicas} replica(s), tool ${plan.capability}, ${calls}.`,
    `Updated ${edited.join(', ')}.`,
    'Next:',
    '  pnpm build                        # installs the new package, then builds it (and nothing else)',
    '  bin/meshctl check                 # its declaration and the deploy files against architecture.yml',
    '  ./scripts/start-multi-agent.sh    # the whole mesh, the new agent included',
    `  bin/meshctl call ${plan.capability} '{"name":"Ada"}'`,
    '  docs/adding-an-agent.md           # its tools, dependencies, tests, deployment',
  ];
}

/**
 * `meshctl new agent <name> --tier <tier> [--depends cap,cap] [--replicas N]`: writes agents/<name> from the
 * template and adds the agent to architecture.yml, the compose base and layers, the Helm values and
 * Prometheus's jobs. Everything is validated and computed before the first file is written.
 */
export async function newAgentCommand(
  args: readonly string[],
  values: NewAgentValues,
  options: NewAgentCommandOptions,
): Promise<number> {
  const [kind, name, ...extra] = args;
  if (kind !== 'agent' || name === undefined || extra.length > 0)
    throw new MeshError('BAD_REQUEST', `usage: meshctl ${NEW_AGENT_USAGE}`);
  const archPath = relative(options.root, options.archFile) || 'architecture.yml';
  const archText = readFileSync(options.archFile, 'utf8');
  const arch = parseArchitecture(archText, archPath);
  const plan = planNewAgent(arch, options.root, {
    name,
    tier: values.tier,
    depends: values.depends,
    replicas: values.replicas,
    description: values.description,
  });
  const newArchText = addToArchitecture(archPath, archText, plan);
  const newArch = parseArchitecture(newArchText, archPath);
  const edits = new Map([
    [archPath, newArchText],
    ...deployEdits(options.root, newArch, deployAgentOf(plan)),
  ]);
  for (const [path, text] of edits) parseYamlSource(path, text);
  const packageFiles = agentPackageFiles(plan, templateVersions(options.root));
  const written = await formatFiles(
    options.root,
    new Map([
      ...[...packageFiles].map(([path, text]): [string, string] => [join(plan.name.packageDir, path), text]),
      ...edits,
    ]),
  );

  for (const [path, text] of written) write(options.root, path, text);
  for (const line of summary(plan, [...edits.keys()])) options.log(line);

  const deploy = checkDeployFiles(newArch, options.root);
  for (const problem of deploy.problems) options.log(`${problem.location}: ${problem.message}`);
  return deploy.problems.length === 0 ? 0 : 1;
}
