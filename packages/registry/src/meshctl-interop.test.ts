import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { officialMeshBinary } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, postJson, startRegistry } from './test-support.js';
import type { RunningRegistry } from './test-support.js';

const run = promisify(execFile);
// Missing, this throws in CI and skips (saying why) elsewhere.
const meshctl = officialMeshBinary('meshctl');

/** Removes ANSI colours so assertions read the table as a person would. */
function plain(text: string): string {
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
}

describe.skipIf(meshctl === undefined)('official meshctl against our registry', { timeout: 30_000 }, () => {
  let registry: RunningRegistry;
  let home: string;

  async function meshctlList(...args: string[]): Promise<string> {
    const { stdout } = await run(meshctl!, ['list', '--registry-url', registry.url, ...args], {
      timeout: 20_000,
      env: { ...process.env, HOME: home, NO_COLOR: '1' },
    });
    return plain(stdout);
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'meshctl-home-'));
    registry = await startRegistry();
    for (const name of [
      'fastmcp_agent_registration.json',
      'dependent_agent_registration.json',
      'mesh_agent_registration_sample.json',
    ]) {
      expect((await postJson(`${registry.url}/heartbeat`, fixture(name))).status).toBe(200);
    }
  });
  afterAll(async () => {
    await registry?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists our agents with their status and dependency counts', async () => {
    const table = await meshctlList();
    const row = (id: string) => table.split('\n').find((line) => line.startsWith(id)) ?? '';
    expect(row('fastmcp-service-3a65d884')).toMatch(/healthy\s+3\/3\s+7\/7/);
    expect(row('dependent-service-00d6169a')).toMatch(/healthy\s+2\/2\s+2\/2/);
    expect(row('hello-world-agent')).toMatch(/healthy\s+0\/3\s+3\/3/);
    expect(table).toContain('3 agents (3 healthy)');
  });

  it('reads our AgentInfo JSON, including dependency resolutions', async () => {
    const parsed = JSON.parse(await meshctlList('--json')) as {
      agents: { id: string; status: string; dependency_resolutions: { provider_agent_id?: string }[] }[];
    };
    const dependent = parsed.agents.find((agent) => agent.id === 'dependent-service-00d6169a');
    expect(dependent?.status).toBe('healthy');
    expect(dependent?.dependency_resolutions.map((r) => r.provider_agent_id)).toEqual([
      'fastmcp-service-3a65d884',
      'fastmcp-service-3a65d884',
    ]);
  });

  it('shows an unregistered provider as missing from its consumer', async () => {
    await fetch(`${registry.url}/agents/fastmcp-service-3a65d884`, { method: 'DELETE' });
    const table = await meshctlList();
    expect(table.split('\n').find((line) => line.startsWith('dependent-service-00d6169a'))).toMatch(
      /healthy\s+0\/2/,
    );
  });
});
