import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverAgentPackages, loadManifest } from './manifests.js';

const root = mkdtempSync(join(tmpdir(), 'meshctl-manifests-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function agentPackage(dir: string, mesh: object | undefined, agentJs: string): void {
  mkdirSync(join(root, 'agents', dir), { recursive: true });
  writeFileSync(
    join(root, 'agents', dir, 'package.json'),
    JSON.stringify({ name: `@x/${dir}`, type: 'module', mesh }),
  );
  writeFileSync(join(root, 'agents', dir, 'agent.js'), agentJs);
}

agentPackage(
  'edge',
  { agent: './agent.js', main: './main.js' },
  `export const agent = {
    consumerGroups: [{ functionName: 'edge_consumer_1', dependencies: [{ name: 'ignored', capability: 'ignored' }] }],
    manifest: () => ({
      name: 'edge',
      version: '1.0.0',
      tools: [],
      dependencies: [{ name: 'order', capability: 'order_processing', tags: [], version: '' }],
    }),
  };`,
);
agentPackage('not-an-agent', undefined, 'export const x = 1;');
agentPackage(
  'broken',
  { agent: './agent.js', main: './main.js' },
  'export const agent = { manifest: () => 42 };',
);

describe('agent manifests', () => {
  it('finds agent packages by their "mesh" field only', () => {
    expect(discoverAgentPackages(root).map((p) => p.packageName)).toEqual(['@x/broken', '@x/edge']);
  });

  it('reads consumer-only dependencies from the manifest, not from runtime internals', async () => {
    const pkg = discoverAgentPackages(root).find((p) => p.packageName === '@x/edge')!;
    const manifest = await loadManifest(pkg);
    expect(manifest.dependencies).toEqual([
      { name: 'order', capability: 'order_processing', tags: [], version: '' },
    ]);
  });

  it('rejects a declaration module whose manifest() is not a manifest', async () => {
    const pkg = discoverAgentPackages(root).find((p) => p.packageName === '@x/broken')!;
    await expect(loadManifest(pkg)).rejects.toThrow(
      'must export `agent` whose manifest() returns { name, tools }',
    );
  });
});
