import { MeshError } from '@mesh/common';
import type { Architecture } from '../architecture/load.js';
import { entryToFollow, type DeployAgent, type DeployProblem } from './deploy-agent.js';
import { blankLineBefore, endOf, indentAt, insertLines, seqAt, type YamlSource } from './yaml-source.js';

// Everything meshctl knows about agents in prometheus.yml lives here, for `check` and `new agent` alike: a
// configuration that discovers targets through the registry (http_sd_configs) lists no agent, and this module
// then has nothing to check or add.

/** Prometheus's configuration in the monitoring layer. */
export const PROMETHEUS_CONFIG = 'deploy/prometheus/prometheus.yml';

interface ScrapeConfig {
  job_name?: string;
  http_sd_configs?: unknown[];
  dns_sd_configs?: { names?: string[] }[];
  static_configs?: { targets?: string[] }[];
}

function scrapeConfigs(source: YamlSource): ScrapeConfig[] {
  const js = source.doc.toJS() as { scrape_configs?: ScrapeConfig[] } | null;
  return js?.scrape_configs ?? [];
}

/** True when targets come from service discovery over HTTP (the registry's), which covers every agent. */
function discoversOverHttp(configs: readonly ScrapeConfig[]): boolean {
  return configs.some((config) => (config.http_sd_configs ?? []).length > 0);
}

/** The host names a job scrapes: its DNS SD names and its static targets' hosts. */
function scrapedNames(config: ScrapeConfig): string[] {
  const dns = (config.dns_sd_configs ?? []).flatMap((sd) => sd.names ?? []);
  const hosts = (config.static_configs ?? []).flatMap((sc) =>
    (sc.targets ?? []).map((target) => target.replace(/:\d+$/, '')),
  );
  return [...dns, ...hosts];
}

/**
 * Every agent of architecture.yml is scraped (a job whose DNS SD names or static targets name it), and no
 * DNS SD name is left of an agent or service that is gone; `services` are the compose services that exist.
 */
export function prometheusProblems(
  arch: Architecture,
  source: YamlSource,
  services: ReadonlySet<string>,
): DeployProblem[] {
  const configs = scrapeConfigs(source);
  if (discoversOverHttp(configs)) return [];
  const problems: DeployProblem[] = [];
  const jobs = seqAt(source, ['scrape_configs']);
  const scraped = new Set(configs.flatMap(scrapedNames));
  for (const agent of arch.agents)
    if (!scraped.has(agent.name))
      problems.push({
        location: source.locate(jobs),
        message: `${source.path} scrapes no ${agent.name}: add a job for it (or discover targets through the registry)`,
      });
  configs.forEach((config, index) => {
    for (const name of (config.dns_sd_configs ?? []).flatMap((sd) => sd.names ?? []))
      if (arch.agent(name) === undefined && !services.has(name))
        problems.push({
          location: source.locate(jobs?.items[index]),
          message: `job ${config.job_name ?? index} scrapes ${name}, which is neither an agent nor a compose service`,
        });
  });
  return problems;
}

/** A new agent's job, like its siblings': HTTPS checked against the mesh CA, replicas found through DNS. */
function jobBlock(name: string): string {
  return [
    `- job_name: ${name}`,
    `  scheme: https`,
    `  tls_config:`,
    `    ca_file: /etc/prometheus/mesh-tls/ca.crt`,
    `    server_name: ${name}`,
    `  dns_sd_configs:`,
    `    - names: [${name}]`,
    `      type: A`,
    `      port: 8080`,
    `      refresh_interval: 15s`,
    `  relabel_configs:`,
    `    # The DNS name becomes the agent label; the address (one per replica) stays the instance.`,
    `    - source_labels: [__meta_dns_name]`,
    `      target_label: agent`,
    `    - target_label: job`,
    `      replacement: agents`,
    ``,
  ].join('\n');
}

/** prometheus.yml with a job for a new agent, after its tier's siblings; unchanged under HTTP discovery. */
export function addPrometheusJob(source: YamlSource, arch: Architecture, agent: DeployAgent): string {
  if (discoversOverHttp(scrapeConfigs(source))) return source.text;
  const jobs = seqAt(source, ['scrape_configs']);
  if (jobs === undefined)
    throw new MeshError('DEPLOY_FILE_CHANGED', `${source.path} has no scrape_configs to add a job to`);
  const entries = scrapeConfigs(source).map((config, index) => ({
    key: config.job_name ?? '',
    node: jobs.items[index] as Parameters<typeof endOf>[1],
  }));
  const follow = entryToFollow(entries, arch, agent.tierRank);
  if (follow === undefined) throw new MeshError('DEPLOY_FILE_CHANGED', `${source.path} lists no jobs`);
  const start = (follow as { range?: [number, number, number] }).range?.[0] ?? 0;
  // The item's node starts after "- "; its dash sits two columns to the left.
  const column = indentAt(source.text, start);
  const spaced = blankLineBefore(source.text, start);
  const lines = jobBlock(agent.name)
    .split('\n')
    .map((line) => (line === '' ? line : `${' '.repeat(column)}${line}`))
    .join('\n');
  return insertLines(source.text, endOf(source.text, follow), `${spaced ? '\n' : ''}${lines}`);
}
