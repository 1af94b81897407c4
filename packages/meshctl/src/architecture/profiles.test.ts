import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/common';
import { loadArchitecture, parseArchitecture } from './load.js';
import { applyProfile, replicaPort } from './profiles.js';

const repoFile = fileURLToPath(new URL('../../../../architecture.yml', import.meta.url));

const BASE = `version: 1
tier_order: [core, edge]
registry: { package: packages/registry, port: 8000 }
agents:
  core:
    - name: a-agent
      replicas: 1
      env: { KEEP: yes, CHANGE: old }
  edge:
    - name: gateway
      depends_on: [a-agent]
      port: 8080
`;

function problemsOf(text: string): string[] {
  try {
    parseArchitecture(text, 'arch.yml');
  } catch (error: unknown) {
    if (isMeshError(error, 'VALIDATION_FAILED'))
      return (error.data?.['problems'] as { location: string; field: string; message: string }[]).map(
        (p) => `${p.location} ${p.field} ${p.message}`,
      );
    throw error;
  }
  return [];
}

describe('profiles in architecture.yml', () => {
  it('gives the repository a microservices profile: the seed Example 1 layout', () => {
    const arch = applyProfile(loadArchitecture(repoFile), 'microservices');
    expect(arch.profile).toBe('microservices');
    const replicas = (name: string): number | undefined => arch.agent(name)?.replicas;
    expect(replicas('api-gateway')).toBe(2);
    expect(replicas('product-agent')).toBe(3);
    expect(replicas('cart-agent')).toBe(2);
    expect(replicas('recommendation-agent')).toBe(1);
    expect(arch.agent('api-gateway')?.env['RATE_LIMIT']).toBeDefined();
    expect(arch.agent('api-gateway')?.port).toBe(8080);
  });

  it('leaves the architecture as it is without a profile', () => {
    const base = loadArchitecture(repoFile);
    expect(applyProfile(base, undefined)).toBe(base);
    expect(base.agent('api-gateway')?.replicas).toBe(1);
    expect(base.profile).toBeUndefined();
    expect(base.profiles).toContain('microservices');
  });

  it('overrides replicas and merges env for the agents the profile names only', () => {
    const text = `${BASE}profiles:\n  big:\n    agents:\n      a-agent: { replicas: 3, env: { CHANGE: new, ADD: 1 } }\n`;
    const arch = applyProfile(parseArchitecture(text, 'arch.yml'), 'big');
    expect(arch.agent('a-agent')?.replicas).toBe(3);
    expect(arch.agent('a-agent')?.env).toEqual({ KEEP: 'yes', CHANGE: 'new', ADD: '1' });
    expect(arch.agent('gateway')?.replicas).toBe(1);
    expect(arch.agents.map((a) => a.name)).toEqual(['a-agent', 'gateway']);
  });

  it('refuses an unknown profile naming the ones there are', () => {
    const text = `${BASE}profiles:\n  big:\n    agents: { a-agent: { replicas: 2 } }\n  small:\n    agents: {}\n`;
    const arch = parseArchitecture(text, 'arch.yml');
    expect(() => applyProfile(arch, 'huge')).toThrow(/unknown profile "huge": arch\.yml has big, small/);
    try {
      applyProfile(arch, 'huge');
    } catch (error: unknown) {
      expect(isMeshError(error, 'CONFIG_INVALID')).toBe(true);
    }
    expect(() => applyProfile(parseArchitecture(BASE, 'arch.yml'), 'big')).toThrow(
      /unknown profile "big": arch\.yml has no profiles/,
    );
  });

  it('refuses a profile naming an unknown agent, at its line, listing the agents', () => {
    const text = `${BASE}profiles:\n  big:\n    agents:\n      b-agent: { replicas: 2 }\n`;
    expect(problemsOf(text)).toEqual([
      'arch.yml:16:16 profiles.big.agents.b-agent unknown agent "b-agent" (agents: a-agent, gateway)',
    ]);
  });

  it('refuses unknown fields and out-of-range replicas in a profile', () => {
    const text = `${BASE}profiles:\n  big:\n    agents:\n      a-agent: { replicas: 0, port: 9000 }\n`;
    const problems = problemsOf(text);
    expect(problems.some((p) => p.includes('profiles.big.agents.a-agent.replicas'))).toBe(true);
    expect(problems.some((p) => p.includes('port'))).toBe(true);
  });

  it('puts the replicas of a fixed-port agent on the ports after it, behind a balancer on the port', () => {
    const text = `${BASE}profiles:\n  big:\n    agents:\n      gateway: { replicas: 2 }\n`;
    const gateway = applyProfile(parseArchitecture(text, 'arch.yml'), 'big').agent('gateway')!;
    expect(replicaPort(gateway, 1, 0)).toBe(8081);
    expect(replicaPort(gateway, 2, 100)).toBe(8182);
    const single = parseArchitecture(BASE, 'arch.yml').agent('gateway')!;
    expect(replicaPort(single, 1, 100)).toBe(8180);
  });

  it('refuses a profile whose balanced replicas would take a port already taken', () => {
    const text =
      BASE.replace('port: 8000', 'port: 8082') +
      `profiles:\n  big:\n    agents:\n      gateway: { replicas: 3 }\n`;
    expect(problemsOf(text)).toEqual([
      "arch.yml:16:16 profiles.big.agents.gateway replica 2 of gateway would listen on 8082, the registry's port (replicas of an agent with a fixed port take the ports after it)",
    ]);
  });
});
