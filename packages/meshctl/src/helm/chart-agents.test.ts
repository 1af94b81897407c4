import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadArchitecture } from '../architecture/load.js';
import { chartAgentDrift, type ChartAgent } from './chart-agents.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const architectureFile = join(root, 'architecture.yml');
const architecture = loadArchitecture(architectureFile);
const values = parse(readFileSync(join(root, 'deploy/helm/agent-mesh/values.yaml'), 'utf8')) as {
  agents: ChartAgent[];
};
const scratch = mkdtempSync(join(tmpdir(), 'chart-agents-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The chart's agents with one entry changed (or removed, when `change` returns undefined). */
function chartWith(name: string, change: (agent: ChartAgent) => ChartAgent | undefined): ChartAgent[] {
  return values.agents.flatMap((agent) => {
    if (agent.name !== name) return [agent];
    const changed = change(agent);
    return changed === undefined ? [] : [changed];
  });
}

describe('the chart agents against architecture.yml', () => {
  it('finds no drift between values.yaml and architecture.yml', () => {
    expect(chartAgentDrift(architecture, values.agents)).toEqual([]);
  });

  it('reports an agent of architecture.yml that values.yaml lacks', () => {
    expect(
      chartAgentDrift(
        architecture,
        chartWith('payment-agent', () => undefined),
      ),
    ).toEqual(['architecture.yml agent payment-agent is missing from values.yaml agents']);
  });

  it('reports an agent in values.yaml that architecture.yml does not declare, and a duplicate', () => {
    const extra = { name: 'billing-agent', replicas: 1, database: 'business_db' };
    const first = values.agents[0]!;
    expect(chartAgentDrift(architecture, [...values.agents, extra, first])).toEqual([
      `values.yaml lists agent ${first.name} twice`,
      'values.yaml agent billing-agent is not an agent of architecture.yml',
    ]);
  });

  it('reports replicas that differ', () => {
    const declared = architecture.agent('user-agent')!.replicas;
    const drift = chartAgentDrift(
      architecture,
      chartWith('user-agent', (agent) => ({ ...agent, replicas: declared + 1 })),
    );
    expect(drift).toEqual([
      `user-agent: values.yaml has replicas ${declared + 1}, architecture.yml has ${declared}`,
    ]);
  });

  it('reports a database that differs from the declared one or that architecture.yml never creates', () => {
    expect(
      chartAgentDrift(
        architecture,
        chartWith('auth-agent', (agent) => ({ ...agent, database: 'business_db' })),
      ),
    ).toEqual(['auth-agent: values.yaml has database business_db, architecture.yml has auth_db']);
    // user-agent declares no database of its own: any database the infrastructure creates is accepted.
    expect(
      chartAgentDrift(
        architecture,
        chartWith('user-agent', (agent) => ({ ...agent, database: 'users' })),
      ),
    ).toEqual([
      'user-agent: values.yaml has database users, which architecture.yml does not create ' +
        '(mcp_mesh, auth_db, business_db)',
    ]);
  });

  it('reports a gateway whose port is not the one the chart publishes', () => {
    const text = readFileSync(architectureFile, 'utf8');
    expect(text).toMatch(/^ {6}port: 8080$/m);
    const file = join(scratch, 'architecture.yml');
    writeFileSync(file, text.replace(/^ {6}port: 8080$/m, '      port: 9090'));
    expect(chartAgentDrift(loadArchitecture(file), values.agents)).toEqual([
      'api-gateway: the chart publishes port 8080, architecture.yml gives 9090',
    ]);
  });
});
