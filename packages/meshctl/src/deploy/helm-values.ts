import { MeshError } from '@mesh/common';
import type { Architecture } from '../architecture/load.js';
import { chartAgentDrift, type ChartAgent } from '../helm/chart-agents.js';
import { entryToFollow, type DeployAgent, type DeployProblem } from './deploy-agent.js';
import { endOf, indentAt, insertLines, seqAt, type YamlSource } from './yaml-source.js';

/** The Helm chart's values: one `agents` entry (name, replicas, database) per agent of architecture.yml. */
export const HELM_VALUES = 'deploy/helm/agent-mesh/values.yaml';

function chartAgents(source: YamlSource): ChartAgent[] {
  const js = source.doc.toJS() as { agents?: ChartAgent[] } | null;
  return js?.agents ?? [];
}

/** The chart's agent list against architecture.yml (names, replicas, databases): chartAgentDrift, located. */
export function helmValuesProblems(arch: Architecture, source: YamlSource): DeployProblem[] {
  const list = seqAt(source, ['agents']);
  const agents = chartAgents(source);
  return chartAgentDrift(arch, agents).map((message) => {
    const index = agents.findIndex((agent) => message.startsWith(`${agent.name}:`));
    return { location: source.locate(index < 0 ? list : list?.items[index]), message };
  });
}

/** The database a new agent's pods name (DB_NAME): business_db when architecture.yml creates it. */
function defaultDatabase(arch: Architecture): string {
  const databases = arch.infrastructure.flatMap((entry) => entry.databases);
  const database = databases.includes('business_db') ? 'business_db' : databases[0];
  if (database === undefined)
    throw new MeshError('DEPLOY_FILE_CHANGED', 'architecture.yml creates no database for the chart to name');
  return database;
}

/** values.yaml with a new agent's entry, after its tier's siblings. */
export function addToHelmValues(source: YamlSource, arch: Architecture, agent: DeployAgent): string {
  const list = seqAt(source, ['agents']);
  if (list === undefined || list.items.length === 0)
    throw new MeshError('DEPLOY_FILE_CHANGED', `${source.path} has no agents list to add to`);
  const entries = chartAgents(source).map((entry, index) => ({
    key: entry.name,
    node: list.items[index] as Parameters<typeof endOf>[1],
  }));
  const follow = entryToFollow(entries, arch, agent.tierRank)!;
  const column = indentAt(source.text, (follow as { range?: [number] }).range?.[0] ?? 0);
  const pad = ' '.repeat(column);
  const lines =
    `${pad}- name: ${agent.name}\n` +
    `${pad}  replicas: ${agent.replicas}\n` +
    `${pad}  database: ${defaultDatabase(arch)}\n`;
  return insertLines(source.text, endOf(source.text, follow), lines);
}
