import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '../architecture/load.js';
import {
  COMPOSE_BASE,
  COMPOSE_LAYERS,
  composeBaseProblems,
  composeLayerProblems,
  type ComposeLayer,
} from './compose-files.js';
import type { DeployProblem } from './deploy-agent.js';
import { HELM_VALUES, helmValuesProblems } from './helm-values.js';
import { PROMETHEUS_CONFIG, prometheusProblems } from './prometheus-scrape.js';
import { profileLayerProblems } from './profile-layer.js';
import { readYamlSource, type YamlSource } from './yaml-source.js';

/** What the deploy files say differently from architecture.yml, and which files were read. */
export interface DeployCheck {
  /** Repository-relative paths of the deploy files checked. */
  readonly files: readonly string[];
  readonly problems: readonly DeployProblem[];
}

/** The known layers, then any other deploy/docker-compose.<layer>.yml (checked for stale services only). */
function composeLayers(root: string): ComposeLayer[] {
  const known = new Set(COMPOSE_LAYERS.map((layer) => layer.path));
  const dir = join(root, 'deploy');
  const others = existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => /^docker-compose\.[a-z0-9-]+\.yml$/.test(file))
        .map((file) => `deploy/${file}`)
        .filter((path) => !known.has(path))
        .sort()
    : [];
  return [...COMPOSE_LAYERS, ...others.map((path) => ({ path }))];
}

function serviceNames(source: YamlSource | undefined): string[] {
  const js = source?.doc.toJS() as { services?: Record<string, unknown> } | null | undefined;
  return Object.keys(js?.services ?? {});
}

/**
 * Checks the deploy files against architecture.yml, which they are written from by hand (or by
 * `meshctl new agent`), not generated from: the compose base and its layers (a layer named like a profile
 * against that profile), the Helm chart's values and Prometheus's scrape jobs. A tree without deploy/docker-compose.yml has nothing to check.
 */
export function checkDeployFiles(arch: Architecture, root: string): DeployCheck {
  const base = readYamlSource(root, COMPOSE_BASE);
  if (base === undefined) return { files: [], problems: [] };
  const files = [COMPOSE_BASE];
  const problems: DeployProblem[] = [...composeBaseProblems(arch, base)];
  const baseServices = new Set(serviceNames(base));
  const allServices = new Set(baseServices);
  for (const layer of composeLayers(root)) {
    const source = readYamlSource(root, layer.path);
    if (source === undefined) continue;
    files.push(layer.path);
    problems.push(...composeLayerProblems(arch, layer, source, baseServices));
    const profile = /docker-compose\.([a-z0-9-]+)\.yml$/.exec(layer.path)?.[1];
    if (profile !== undefined && arch.profiles.includes(profile))
      problems.push(...profileLayerProblems(arch, profile, base, source));
    for (const name of serviceNames(source)) allServices.add(name);
  }
  const values = readYamlSource(root, HELM_VALUES);
  if (values !== undefined) {
    files.push(HELM_VALUES);
    problems.push(...helmValuesProblems(arch, values));
  }
  const prometheus = readYamlSource(root, PROMETHEUS_CONFIG);
  if (prometheus !== undefined) {
    files.push(PROMETHEUS_CONFIG);
    problems.push(...prometheusProblems(arch, prometheus, allServices));
  }
  return { files, problems };
}
