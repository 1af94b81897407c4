import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/common';
import { loadArchitecture, parseArchitecture } from './load.js';

const repoFile = fileURLToPath(new URL('../../../../architecture.yml', import.meta.url));

function problemsOf(text: string): string[] {
  try {
    parseArchitecture(text, 'arch.yml');
  } catch (error: unknown) {
    if (isMeshError(error, 'VALIDATION_FAILED')) {
      return (error.data?.['problems'] as { location: string; field: string; message: string }[]).map(
        (p) => `${p.location} ${p.field} ${p.message}`,
      );
    }
    throw error;
  }
  return [];
}

const HEADER = 'version: 1\ntier_order: [core, business]\nregistry: { package: packages/registry }\n';

describe('parseArchitecture', () => {
  it('reads the repository architecture.yml with every agent of the tool contracts', () => {
    const arch = loadArchitecture(repoFile);
    const names = arch.agents.map((a) => a.name).sort();
    expect(names).toEqual([
      'analytics-agent',
      'api-gateway',
      'auth-agent',
      'cart-agent',
      'database-agent',
      'inventory-agent',
      'notification-agent',
      'order-agent',
      'payment-agent',
      'product-agent',
      'recommendation-agent',
      'user-agent',
    ]);
    expect(arch.agent('auth-agent')?.replicas).toBe(2);
    expect(arch.agent('user-agent')?.replicas).toBe(3);
    expect(arch.agent('api-gateway')?.tier).toBe('edge');
    expect(arch.infrastructure.map((i) => i.name)).toEqual([
      'postgres',
      'redis',
      'rabbitmq',
      'payment-sandbox',
      'smtp-sink',
    ]);
  });

  it('names the line and field of a value of the wrong type', () => {
    const text = `${HEADER}agents:\n  core:\n    - name: a-agent\n      replicas: two\n`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^arch\.yml:7:17 agents\.core\[0\]\.replicas /);
  });

  it('names the line of an unknown field and of a missing required one', () => {
    const text = `version: 1\nregistry: { package: p }\nagents:\n  core:\n    - name: a-agent\n      provide: [x]\n`;
    const problems = problemsOf(text);
    expect(problems.some((p) => p.startsWith('arch.yml:1:1 tier_order '))).toBe(true);
    expect(problems.some((p) => p.startsWith('arch.yml:5:7 agents.core[0] ') && p.includes('provide'))).toBe(
      true,
    );
  });

  it('rejects a dependency on an unknown agent at the line of that entry', () => {
    const text = `${HEADER}agents:\n  core:\n    - name: a-agent\n      depends_on: [b-agent, postgres]\n`;
    const problems = problemsOf(text);
    expect(problems).toEqual([
      'arch.yml:7:20 agents.core[0].depends_on[0] unknown agent "b-agent"',
      'arch.yml:7:29 agents.core[0].depends_on[1] unknown agent "postgres"',
    ]);
  });

  it('rejects a tier missing from tier_order and a name declared twice', () => {
    const text = `${HEADER}agents:\n  core:\n    - name: a-agent\n  misc:\n    - name: a-agent\n`;
    const problems = problemsOf(text);
    expect(problems[0]).toMatch(/^arch\.yml:8:5 agents\.misc tier "misc" is not listed/);
    expect(problems[1]).toMatch(
      /^arch\.yml:8:13 agents\.misc\[0\]\.name a-agent is declared twice \(also arch\.yml:6:7\)/,
    );
  });

  it('reports a YAML syntax error with its line', () => {
    const problems = problemsOf(`${HEADER}agents:\n  core: [\n`);
    expect(problems[0]).toMatch(/^arch\.yml:\d+:\d+ \(yaml\) /);
  });
});
