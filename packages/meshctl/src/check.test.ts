import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArchitecture } from './architecture/load.js';
import { checkArchitecture, formatCheckReport } from './check.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../test-fixtures/${name}`, import.meta.url));

/** A writable copy of fixture `name`; the whole folder is copied, since fixture agents import modules shared there. */
function copyOfFixture(name: string, prefix: string): { root: string; remove: () => void } {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  cpSync(fixture(''), copy, { recursive: true });
  return { root: join(copy, name), remove: () => rmSync(copy, { recursive: true, force: true }) };
}

async function check(name: string) {
  const root = fixture(name);
  return checkArchitecture(loadArchitecture(`${root}/architecture.yml`, 'architecture.yml'), root);
}

describe('checkArchitecture', () => {
  it('passes when architecture.yml matches the manifests, consumer-only agents included', async () => {
    const report = await check('valid');
    expect(formatCheckReport(report)).toBe('ok: 3 agents match architecture.yml');
    expect(report.ok).toBe(true);
    expect(report.actualDependencies.get('web-gateway')).toEqual(['shop-agent']);
  });

  it('fails on a cycle and prints it as a path', async () => {
    const report = await check('cycle');
    expect(report.ok).toBe(false);
    const cycles = report.problems.filter((p) => p.kind === 'cycle');
    expect(cycles.map((p) => p.message)).toEqual([
      'dependency cycle in architecture.yml: a-agent -> b-agent -> c-agent -> a-agent',
    ]);
    expect(cycles[0]?.location).toBe('architecture.yml:9:19');
  });

  it('reports drift either way, missing providers, tier inversions and undeclared agents', async () => {
    const report = await check('drift');
    const lines = formatCheckReport(report).split('\n');
    expect(report.ok).toBe(false);
    expect(lines.at(-1)).toBe('8 problem(s) found');
    expect(lines).toEqual(
      expect.arrayContaining([
        'architecture.yml:9:20: tier: store-agent (tier core) depends on shop-agent in the higher tier business',
        'architecture.yml:8:17: provides-drift: store-agent provides data_extra but architecture.yml does not list it',
        'architecture.yml:8:28: provides-drift: architecture.yml says store-agent provides data_old, but the agent declares no such tool',
        'architecture.yml:14:19: missing-provider: shop-agent depends on capability mail_send, which no agent provides',
        'architecture.yml:14:19: depends-drift: shop-agent uses capabilities of store-agent, but architecture.yml does not list it in depends_on',
        'architecture.yml:9:20: depends-drift: architecture.yml says store-agent depends on shop-agent, but it uses none of its capabilities',
        'architecture.yml:5:3: undeclared-agent: agent stray-agent exists but architecture.yml does not declare it',
        'architecture.yml:15:13: missing-package: no agent package declares ghost-agent (looked in agents/*/package.json "mesh" fields)',
      ]),
    );
  });

  it('holds restricted capabilities to what the agent provides and to callers that depend on it', async () => {
    const { root, remove } = copyOfFixture('valid', 'check-policy-');
    try {
      const file = join(root, 'architecture.yml');
      const text = readFileSync(file, 'utf8')
        .replace('../fake-registry.js', `${fixture('fake-registry.js')}`)
        .replace(
          '      replicas: 2',
          '      restricted: { data_get: [], data_put: [web-gateway], nothing_here: [] }\n      replicas: 2',
        )
        .replace('- name: web-gateway', '- name: registry');
      writeFileSync(file, text);
      const report = await checkArchitecture(loadArchitecture(file, 'architecture.yml'), root);
      const policy = report.problems.filter((p) => p.kind === 'policy').map((p) => p.message);
      expect(policy).toEqual(
        expect.arrayContaining([
          "registry: the name is reserved for the mesh's own registry identity",
          'store-agent lets web-gateway call data_put, but web-gateway is not an agent here',
          'store-agent restricts nothing_here, which it does not provide',
          'shop-agent calls data_get, which store-agent restricts to the operator: the call would be refused (403)',
        ]),
      );
      expect(report.ok).toBe(false);
    } finally {
      remove();
    }
  });

  it('reports deploy files that disagree with architecture.yml, at their place, and counts those that agree', async () => {
    const { root, remove } = copyOfFixture('valid', 'check-deploy-');
    try {
      const file = join(root, 'architecture.yml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('../fake-registry.js', fixture('fake-registry.js')),
      );
      mkdirSync(join(root, 'deploy'));
      const service = (name: string, replicas: number, deps: string[]): string =>
        `  ${name}:\n    command: ['${name}']\n    volumes: ['tls-${name}:/run/mesh-tls:ro']\n` +
        `    depends_on: [${deps.join(', ')}]\n    deploy: { replicas: ${replicas} }\n`;
      writeFileSync(
        join(root, 'deploy/docker-compose.yml'),
        'services:\n  mesh-certs:\n    volumes: [tls-store-agent:/x, tls-shop-agent:/x, tls-web-gateway:/x]\n' +
          service('store-agent', 1, []) +
          service('shop-agent', 1, ['store-agent']) +
          service('web-gateway', 1, ['shop-agent']) +
          'volumes:\n  tls-store-agent:\n  tls-shop-agent:\n  tls-web-gateway:\n',
      );
      const report = await checkArchitecture(loadArchitecture(file, 'architecture.yml'), root);
      expect(report.deployFiles).toEqual(['deploy/docker-compose.yml']);
      expect(formatCheckReport(report).split('\n')).toEqual([
        'deploy/docker-compose.yml:8:25: deploy: store-agent: deploy/docker-compose.yml has replicas 1, architecture.yml has 2',
        '1 problem(s) found',
      ]);
      writeFileSync(
        join(root, 'deploy/docker-compose.yml'),
        readFileSync(join(root, 'deploy/docker-compose.yml'), 'utf8').replace(
          'replicas: 1 }',
          'replicas: 2 }',
        ),
      );
      const fixed = await checkArchitecture(loadArchitecture(file, 'architecture.yml'), root);
      expect(formatCheckReport(fixed)).toBe(
        'ok: 3 agents match architecture.yml, and 1 deploy file(s) agree with it',
      );
    } finally {
      remove();
    }
  });
});
