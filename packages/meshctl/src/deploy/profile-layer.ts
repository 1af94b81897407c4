import type { Architecture } from '../architecture/load.js';
import { applyProfile } from '../architecture/profiles.js';
import type { DeployProblem } from './deploy-agent.js';
import type { YamlSource } from './yaml-source.js';

interface ServiceShape {
  deploy?: { replicas?: unknown };
  environment?: Record<string, unknown> | string[];
}

function servicesOf(source: YamlSource): Record<string, ServiceShape> {
  const js = source.doc.toJS() as { services?: Record<string, ServiceShape> } | null;
  return js?.services ?? {};
}

function environmentKeys(service: ServiceShape | undefined): string[] {
  const env = service?.environment;
  if (env === undefined) return [];
  return Array.isArray(env) ? env.map((entry) => String(entry).split('=')[0] ?? '') : Object.keys(env);
}

/**
 * A profile against the compose layer of the same name: with the layer over the base file, every agent runs
 * as many replicas as the profile gives it, and every variable the profile sets is set by the layer (its value
 * may defer to the caller's environment, as `${RATE_LIMIT:-1000}` does). So `--profile NAME` starts the same
 * system locally and in Docker.
 */
export function profileLayerProblems(
  arch: Architecture,
  profile: string,
  base: YamlSource,
  layer: YamlSource,
): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const profiled = applyProfile(arch, profile);
  const baseServices = servicesOf(base);
  const layerServices = servicesOf(layer);
  const at = (name: string, ...path: string[]): string => {
    const inLayer = layer.doc.getIn(['services', name, ...path], true);
    if (inLayer !== undefined) return layer.locate(inLayer);
    return layer.locate(layer.doc.getIn(['services', name], true) ?? layer.doc.getIn(['services'], true));
  };
  for (const agent of profiled.agents) {
    const replicas =
      layerServices[agent.name]?.deploy?.replicas ?? baseServices[agent.name]?.deploy?.replicas ?? 1;
    if (replicas !== agent.replicas)
      problems.push({
        location: at(agent.name, 'deploy', 'replicas'),
        message:
          `${agent.name}: ${layer.path} runs ${String(replicas)} replica(s) over the base file, ` +
          `profile ${profile} of architecture.yml ${agent.replicas}`,
      });
    const declared = new Set(environmentKeys(layerServices[agent.name]));
    for (const key of Object.keys(arch.profileEntries[profile]?.agents[agent.name]?.env ?? {}))
      if (!declared.has(key))
        problems.push({
          location: at(agent.name, 'environment'),
          message: `${agent.name}: profile ${profile} of architecture.yml sets ${key}, ${layer.path} does not`,
        });
  }
  return problems;
}
