import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MeshError } from '@mesh/common';

/** What an agent declares about itself (`agent.manifest()` from @mesh/runtime). */
export interface AgentManifest {
  name: string;
  version: string;
  description?: string;
  tools: {
    name: string;
    capability: string;
    version?: string;
    tags?: string[];
    description?: string;
    dependencies: { name: string; capability: string; tags?: string[]; version?: string }[];
  }[];
  /** Dependencies used outside tools (`agent.consumer(...)`, e.g. the HTTP gateway's); older runtimes omit it. */
  dependencies?: { name: string; capability: string; tags?: string[]; version?: string }[];
}

/** An agent package found on disk through the `mesh` field of its package.json. */
export interface AgentPackage {
  /** Directory, absolute. */
  readonly dir: string;
  readonly packageName: string;
  /** Absolute path of the declaration module (side-effect free), e.g. dist/agent.js. */
  readonly agentModule: string;
  /** Absolute path of the entry point, e.g. dist/main.js. */
  readonly mainModule: string;
}

interface MeshField {
  agent?: string;
  main?: string;
}

/** Reads one package directory; undefined when it is not an agent package. */
export function readAgentPackage(dir: string): AgentPackage | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; mesh?: MeshField };
  if (json.mesh?.agent === undefined || json.mesh.main === undefined) return undefined;
  return {
    dir: resolve(dir),
    packageName: json.name ?? dir,
    agentModule: resolve(dir, json.mesh.agent),
    mainModule: resolve(dir, json.mesh.main),
  };
}

/** Every agent package under `<root>/agents/*`. */
export function discoverAgentPackages(root: string): AgentPackage[] {
  const base = join(root, 'agents');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => readAgentPackage(join(base, entry.name)))
    .filter((pkg): pkg is AgentPackage => pkg !== undefined)
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

function isManifest(value: unknown): value is AgentManifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<AgentManifest>;
  return typeof m.name === 'string' && Array.isArray(m.tools);
}

/**
 * Imports an agent's declaration module and returns `agent.manifest()`. Importing must have no side effects
 * (the agent package convention), so this is safe to run in CI without any server.
 */
export async function loadManifest(pkg: AgentPackage): Promise<AgentManifest> {
  if (!existsSync(pkg.agentModule)) {
    throw new MeshError('NOT_FOUND', `${pkg.agentModule} does not exist: build ${pkg.packageName} first`);
  }
  const mod = (await import(pathToFileURL(pkg.agentModule).href)) as {
    agent?: { manifest?: () => unknown };
  };
  const manifest = mod.agent?.manifest?.();
  if (!isManifest(manifest)) {
    throw new MeshError(
      'VALIDATION_FAILED',
      `${pkg.agentModule} must export \`agent\` whose manifest() returns { name, tools }`,
    );
  }
  return {
    ...manifest,
    tools: manifest.tools.map((tool) => ({ ...tool, dependencies: tool.dependencies ?? [] })),
    dependencies: manifest.dependencies ?? [],
  };
}
