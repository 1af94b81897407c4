import { resolve } from 'node:path';
import type { Architecture, TieredAgent } from './architecture/load.js';
import { checkDeployFiles } from './deploy/deploy-check.js';
import { buildGraph, findCycles } from './graph/dependency-graph.js';
import {
  discoverAgentPackages,
  loadManifest,
  readAgentPackage,
  type AgentManifest,
  type AgentPackage,
} from './manifests.js';

export type CheckProblemKind =
  | 'cycle'
  | 'tier'
  | 'missing-package'
  | 'manifest'
  | 'undeclared-agent'
  | 'provides-drift'
  | 'missing-provider'
  | 'depends-drift'
  | 'policy'
  | 'deploy';

export interface CheckProblem {
  readonly kind: CheckProblemKind;
  readonly message: string;
  /** `file:line:col` in architecture.yml (or the deploy file, for `deploy`) when the problem has a place. */
  readonly location?: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly problems: readonly CheckProblem[];
  /** What the agents themselves declare: agent name -> agents it depends on (through capabilities). */
  readonly actualDependencies: ReadonlyMap<string, readonly string[]>;
  readonly checkedAgents: readonly string[];
  /** The deploy files compared with architecture.yml (none in a tree without deploy/). */
  readonly deployFiles: readonly string[];
}

/** The manifest dependencies of an agent (tools' and consumer-only ones), as capability names. */
export function manifestCapabilitiesNeeded(manifest: AgentManifest): string[] {
  const fromTools = manifest.tools.flatMap((tool) => tool.dependencies.map((dep) => dep.capability));
  const consumer = manifest.dependencies ?? [];
  return [...new Set([...fromTools, ...consumer.map((dep) => dep.capability)])].sort();
}

function declaredGraphProblems(arch: Architecture): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const graph = buildGraph(arch.agents.map((a) => [a.name, a.depends_on]));
  for (const cycle of findCycles(graph)) {
    const first = arch.agent(cycle[0]!);
    problems.push({
      kind: 'cycle',
      message: `dependency cycle in architecture.yml: ${cycle.join(' -> ')}`,
      ...(first ? { location: arch.locate([...first.path, 'depends_on']) } : {}),
    });
  }
  problems.push(...policyProblems(arch));
  for (const agent of arch.agents) {
    agent.depends_on.forEach((name, index) => {
      const dep = arch.agent(name);
      if (dep && dep.tierRank > agent.tierRank) {
        problems.push({
          kind: 'tier',
          message: `${agent.name} (tier ${agent.tier}) depends on ${dep.name} in the higher tier ${dep.tier}`,
          location: arch.locate([...agent.path, 'depends_on', index]),
        });
      }
    });
  }
  return problems;
}

/** Names the mesh PKI gives to others: an agent of that name would share their identity. */
const RESERVED_NAMES = new Set(['registry', 'meshctl']);

/**
 * The authorization policy is architecture.yml: `restricted` may name only capabilities the agent provides,
 * and only callers that depend on it (anyone else is refused anyway, so the entry would be a lie).
 */
function policyProblems(arch: Architecture): CheckProblem[] {
  const problems: CheckProblem[] = [];
  for (const agent of arch.agents) {
    if (RESERVED_NAMES.has(agent.name))
      problems.push({
        kind: 'policy',
        message: `${agent.name}: the name is reserved for the mesh's own ${agent.name === 'registry' ? 'registry' : 'operator'} identity`,
        location: arch.locate([...agent.path, 'name']),
      });
    for (const [capability, callers] of Object.entries(agent.restricted)) {
      const where = arch.locate([...agent.path, 'restricted', capability]);
      if (!agent.provides.includes(capability))
        problems.push({
          kind: 'policy',
          message: `${agent.name} restricts ${capability}, which it does not provide`,
          location: where,
        });
      for (const caller of callers) {
        const callerAgent = arch.agent(caller);
        if (!callerAgent || !callerAgent.depends_on.includes(agent.name))
          problems.push({
            kind: 'policy',
            message: `${agent.name} lets ${caller} call ${capability}, but ${caller} ${callerAgent ? `does not depend on ${agent.name}` : 'is not an agent here'}`,
            location: where,
          });
      }
    }
  }
  return problems;
}

async function loadManifests(
  arch: Architecture,
  root: string,
  problems: CheckProblem[],
): Promise<{ manifests: Map<string, AgentManifest>; broken: Set<string> }> {
  const packages: AgentPackage[] = discoverAgentPackages(root);
  for (const agent of arch.agents) {
    if (agent.package === undefined) continue;
    const pkg = readAgentPackage(resolve(root, agent.package));
    if (pkg === undefined) {
      problems.push({
        kind: 'missing-package',
        message: `${agent.name}: ${agent.package} is not an agent package (package.json needs a "mesh" field)`,
        location: arch.locate([...agent.path, 'package']),
      });
    } else if (!packages.some((p) => p.dir === pkg.dir)) packages.push(pkg);
  }
  const manifests = new Map<string, AgentManifest>();
  const broken = new Set<string>();
  for (const pkg of packages) {
    try {
      const manifest = await loadManifest(pkg);
      manifests.set(manifest.name, manifest);
    } catch (error: unknown) {
      broken.add(pkg.dir);
      problems.push({ kind: 'manifest', message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { manifests, broken };
}

function compareAgent(
  arch: Architecture,
  agent: TieredAgent,
  manifest: AgentManifest,
  providers: ReadonlyMap<string, readonly string[]>,
  problems: CheckProblem[],
): string[] {
  const provided = new Set(manifest.tools.map((t) => t.capability));
  for (const capability of [...provided].sort()) {
    if (!agent.provides.includes(capability)) {
      problems.push({
        kind: 'provides-drift',
        message: `${agent.name} provides ${capability} but architecture.yml does not list it`,
        location: arch.locate([...agent.path, 'provides']),
      });
    }
  }
  agent.provides.forEach((capability, index) => {
    if (!provided.has(capability)) {
      problems.push({
        kind: 'provides-drift',
        message: `architecture.yml says ${agent.name} provides ${capability}, but the agent declares no such tool`,
        location: arch.locate([...agent.path, 'provides', index]),
      });
    }
  });
  const actual = new Set<string>();
  for (const capability of manifestCapabilitiesNeeded(manifest)) {
    const who = (providers.get(capability) ?? []).filter((name) => name !== agent.name);
    if (who.length === 0) {
      problems.push({
        kind: 'missing-provider',
        message: `${agent.name} depends on capability ${capability}, which no agent provides`,
        location: arch.locate([...agent.path, 'depends_on']),
      });
    }
    for (const name of who) {
      actual.add(name);
      const allowed = arch.agent(name)?.restricted[capability];
      if (allowed !== undefined && !allowed.includes(agent.name))
        problems.push({
          kind: 'policy',
          message: `${agent.name} calls ${capability}, which ${name} restricts to ${allowed.length === 0 ? 'the operator' : allowed.join(', ')}: the call would be refused (403)`,
          location: arch.locate([...agent.path, 'depends_on']),
        });
    }
  }
  for (const name of [...actual].sort()) {
    if (!agent.depends_on.includes(name)) {
      problems.push({
        kind: 'depends-drift',
        message: `${agent.name} uses capabilities of ${name}, but architecture.yml does not list it in depends_on`,
        location: arch.locate([...agent.path, 'depends_on']),
      });
    }
  }
  agent.depends_on.forEach((name, index) => {
    if (!actual.has(name)) {
      problems.push({
        kind: 'depends-drift',
        message: `architecture.yml says ${agent.name} depends on ${name}, but it uses none of its capabilities`,
        location: arch.locate([...agent.path, 'depends_on', index]),
      });
    }
  });
  return [...actual].sort();
}

/**
 * Checks architecture.yml against what the agents declare (their manifests): missing providers, cycles
 * (as paths), tier inversions, and drift either way; then the deploy files (compose, Helm values, Prometheus)
 * against architecture.yml. `ok` is false when anything is wrong.
 */
export async function checkArchitecture(arch: Architecture, root: string): Promise<CheckReport> {
  const problems = declaredGraphProblems(arch);
  const { manifests, broken } = await loadManifests(arch, root, problems);

  const providers = new Map<string, string[]>();
  const addProvider = (capability: string, name: string): void => {
    const list = providers.get(capability) ?? [];
    if (!list.includes(name)) list.push(name);
    providers.set(capability, list);
  };
  for (const manifest of manifests.values())
    for (const t of manifest.tools) addProvider(t.capability, manifest.name);

  for (const name of [...manifests.keys()].sort()) {
    if (!arch.agent(name)) {
      problems.push({
        kind: 'undeclared-agent',
        message: `agent ${name} exists but architecture.yml does not declare it`,
        location: arch.locate(['agents']),
      });
    }
  }
  const actualDependencies = new Map<string, string[]>();
  for (const agent of arch.agents) {
    const manifest = manifests.get(agent.name);
    if (manifest === undefined) {
      if (agent.package !== undefined) {
        const dir = resolve(root, agent.package);
        // Already reported: not an agent package, or its manifest could not be read.
        if (broken.has(dir) || readAgentPackage(dir) === undefined) continue;
      }
      problems.push({
        kind: 'missing-package',
        message: `no agent package declares ${agent.name} (looked in agents/*/package.json "mesh" fields)`,
        location: arch.locate([...agent.path, 'name']),
      });
      continue;
    }
    actualDependencies.set(agent.name, compareAgent(arch, agent, manifest, providers, problems));
  }
  const actualGraph = buildGraph(actualDependencies);
  const declaredCycles = new Set(
    findCycles(buildGraph(arch.agents.map((a) => [a.name, a.depends_on]))).map((c) => c.join(' -> ')),
  );
  for (const cycle of findCycles(actualGraph)) {
    const path = cycle.join(' -> ');
    if (!declaredCycles.has(path)) {
      problems.push({ kind: 'cycle', message: `dependency cycle in the agents' declarations: ${path}` });
    }
  }
  const deploy = checkDeployFiles(arch, root);
  for (const problem of deploy.problems) problems.push({ kind: 'deploy', ...problem });
  return {
    ok: problems.length === 0,
    problems,
    actualDependencies,
    checkedAgents: [...manifests.keys()].sort(),
    deployFiles: deploy.files,
  };
}

/** One line per problem, `location: message`, then a summary line. */
export function formatCheckReport(report: CheckReport): string {
  const lines = report.problems.map((p) => `${p.location ? `${p.location}: ` : ''}${p.kind}: ${p.message}`);
  lines.push(
    report.ok
      ? `ok: ${report.checkedAgents.length} agents match architecture.yml` +
          (report.deployFiles.length > 0
            ? `, and ${report.deployFiles.length} deploy file(s) agree with it`
            : '')
      : `${report.problems.length} problem(s) found`,
  );
  return lines.join('\n');
}
