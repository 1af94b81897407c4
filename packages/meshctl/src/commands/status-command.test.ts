import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeState, type MeshState } from '../local/state.js';
import type { AgentInfo } from '../registry-client.js';
import { showStatus } from './status-command.js';

const home = mkdtempSync(join(tmpdir(), 'meshctl-status-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const DEAD_PID = 2 ** 22 + 54_321;

const agent = (id: string, status = 'healthy'): AgentInfo => ({
  id,
  name: 'user-agent',
  status,
  endpoint: 'http://127.0.0.1:1',
  capabilities: [{ name: 'user_get', function_name: 'user_get' }],
  total_dependencies: 0,
  dependencies_resolved: 0,
  dependency_resolutions: [],
});

async function status(json: boolean): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await showStatus({
    registry: {
      baseUrl: 'http://127.0.0.1:8000',
      health: () => Promise.resolve({ status: 'healthy' }),
      agents: () => Promise.resolve([agent('u1'), agent('u2'), agent('gone', 'unhealthy')]),
    },
    archFile: join(home, 'no-architecture.yml'),
    arch: () => {
      throw new Error('not read: the file does not exist');
    },
    root: home,
    home,
    env: {},
    json,
    log: (line) => lines.push(line),
  });
  return { code, out: lines.join('\n') };
}

describe('meshctl status against a local mesh', () => {
  const record = (replica: number, pid: number) => ({
    name: 'user-agent',
    kind: 'agent' as const,
    replica,
    pid,
    log: join(home, `user-agent-${replica}.log`),
    args: [],
    env: { DATABASE_URL: 'postgres://u:secret@127.0.0.1/db' },
    startedAt: '2026-01-01T00:00:00Z',
  });
  const state: MeshState = {
    version: 1,
    mode: 'local',
    root: home,
    startedAt: '2026-01-01T00:00:00Z',
    registryUrl: 'http://127.0.0.1:8000',
    processes: [record(1, process.pid), record(2, DEAD_PID)],
  };

  it('shows the dead process as DOWN, the agent degraded, and exits non-zero', async () => {
    writeState(home, state);
    const { code, out } = await status(false);
    expect(code).toBe(1);
    expect(out).toMatch(/user-agent\s+2\/2\s+DEGRADED\s+process #2 \(pid \d+\) not running/);
    expect(out).toContain('(1 stale registrations ignored');
    expect(out).toContain('Local processes (1/2 running):');
    expect(out).toMatch(new RegExp(`agent\\s+user-agent\\s+2\\s+${DEAD_PID}\\s+DOWN`));
  });

  it('says the same as JSON, without the processes environment', async () => {
    writeState(home, state);
    const { code, out } = await status(true);
    expect(code).toBe(1);
    const body = JSON.parse(out) as {
      ok: boolean;
      agents: { name: string; state: string; stale: number }[];
      processes: { pid: number; running: boolean }[];
    };
    expect(body.ok).toBe(false);
    expect(body.agents).toEqual([
      expect.objectContaining({ name: 'user-agent', state: 'DEGRADED', stale: 1 }),
    ]);
    expect(body.processes.map((p) => p.running)).toEqual([true, false]);
    expect(out).not.toContain('secret');
  });

  it('is ok once every recorded process runs', async () => {
    writeState(home, { ...state, processes: [record(1, process.pid)] });
    const { code, out } = await status(false);
    expect(code, out).toBe(0);
    expect(out).toMatch(/user-agent\s+2\/2\s+ok/);
    expect(out).not.toContain('Profile:');
  });

  it('names the profile the mesh was started with, in text and JSON', async () => {
    writeState(home, { ...state, profile: 'microservices', processes: [record(1, process.pid)] });
    expect((await status(false)).out).toContain('Profile: microservices');
    expect(JSON.parse((await status(true)).out)).toMatchObject({ profile: 'microservices' });
  });
});
